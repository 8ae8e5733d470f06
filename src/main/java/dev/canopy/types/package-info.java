/** Core identifiers and wire encodings shared by every layer. */
package dev.canopy.types;
