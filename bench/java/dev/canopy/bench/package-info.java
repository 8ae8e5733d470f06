/** Benchmark programs: each main() prints its figures beside a baseline measured in the same run. */
package dev.canopy.bench;
