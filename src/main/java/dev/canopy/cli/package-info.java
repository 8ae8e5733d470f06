/** The {@code canopy} command line (picocli): {@code start} for now. */
package dev.canopy.cli;
