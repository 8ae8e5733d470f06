/**
 * Wiring of one node (one replica, one Pekko cluster member): configuration, the data directory and
 * its lock, genesis keys, the persistence store, the guardian actor, health, start and stop.
 */
package dev.canopy.node;
