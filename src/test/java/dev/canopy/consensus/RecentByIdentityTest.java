package dev.canopy.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecentByIdentityTest {
  @Test
  void remembersByIdentityNotByValueAndForgetsTheOldest() {
    List<String> computed = new ArrayList<>();
    RecentByIdentity<String, Integer> recent = new RecentByIdentity<>(2, k -> {
      computed.add(k);
      return k.length();
    });
    String a = new String("aa");
    String equalToA = new String("aa");
    String b = new String("bbb");
    String c = new String("c");

    assertThat(recent.get(a)).isEqualTo(2);
    assertThat(recent.get(a)).isEqualTo(2);
    assertThat(computed).hasSize(1);
    // an equal key is another object: computed again (the function must be pure)
    assertThat(recent.get(equalToA)).isEqualTo(2);
    assertThat(computed).hasSize(2);
    recent.get(b);
    recent.get(c); // a was the oldest of three: forgotten
    recent.get(a);
    assertThat(computed).containsExactly("aa", "aa", "bbb", "c", "aa");
  }
}
