package dev.canopy.wasm;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/** What the classes of a compiled module ({@link CounterGlobalShortcut#compile}'s payload) hold. */
final class GeneratedClasses {
  private GeneratedClasses() {}

  /** A method, declared or called: its name and descriptor. */
  record Method(String name, String descriptor) {}

  /** Every method the classes declare. */
  static List<Method> declared(byte[] payload) {
    return collect(payload, false);
  }

  /** Every method the classes' code calls, once per call site. */
  static List<Method> called(byte[] payload) {
    return collect(payload, true);
  }

  private static List<Method> collect(byte[] payload, boolean calls) {
    List<Method> methods = new ArrayList<>();
    try (JarInputStream jar = new JarInputStream(new ByteArrayInputStream(payload))) {
      for (JarEntry e = jar.getNextJarEntry(); e != null; e = jar.getNextJarEntry()) {
        if (!e.getName().endsWith(".class")) {
          continue;
        }
        new ClassReader(jar.readAllBytes()).accept(new ClassVisitor(Opcodes.ASM9) {
          @Override
          public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
            if (!calls) {
              methods.add(new Method(name, desc));
              return null;
            }
            return new MethodVisitor(Opcodes.ASM9) {
              @Override
              public void visitMethodInsn(int op, String owner, String method, String d, boolean itf) {
                methods.add(new Method(method, d));
              }
            };
          }
        }, 0);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return methods;
  }
}
