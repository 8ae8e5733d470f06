/** The public Internet Computer HTTP interface on Pekko HTTP: routes, status, CBOR bodies. */
package dev.canopy.http;
