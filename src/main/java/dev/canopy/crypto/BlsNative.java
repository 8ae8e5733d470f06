package dev.canopy.crypto;

import supranational.blst.P1;

/**
 * Loads blst's native library (shipped inside the jblst jar for Linux, macOS and Windows on
 * x86-64 and aarch64) once, and turns a failure into one clear error instead of a
 * NoClassDefFoundError at some later call.
 */
final class BlsNative {
  private static final Throwable LOAD_FAILURE = tryLoad();

  private BlsNative() {}

  private static Throwable tryLoad() {
    try {
      // Any call runs blstJNI's static initializer, which extracts and loads the library.
      P1.generator();
      return null;
    } catch (Throwable t) { // LinkageError, ExceptionInInitializerError or blst's RuntimeException
      return t;
    }
  }

  static void ensureLoaded() {
    if (LOAD_FAILURE != null) {
      throw new CryptoUnavailableException(
          "BLS12-381 is unavailable: blst's native library did not load on "
              + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
              + " (jblst ships Linux, Mac and Windows builds for amd64/x86_64 and aarch64): "
              + LOAD_FAILURE,
          LOAD_FAILURE);
    }
  }
}
