package dev.canopy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityCommandTest {
  private static final String DFX_SECP256K1_PEM =
      "-----BEGIN EC PARAMETERS-----\n"
          + "BgUrgQQACg==\n"
          + "-----END EC PARAMETERS-----\n"
          + "-----BEGIN EC PRIVATE KEY-----\n"
          + "MHQCAQEEIOkQ6BAlJZ2rwHH0eBFtZKdcLaKDPmeG2KDClZNS7oOSoAcGBSuBBAAK\n"
          + "oUQDQgAEjuI8tSNkCeVzBNfulGs5vJvU07yuH3qw2VEyuHMbuZrZPclSJIU4NSRh\n"
          + "JtfQFScpGlGI7eRYD83X8rFz5lFQag==\n"
          + "-----END EC PRIVATE KEY-----\n";

  @TempDir Path home;

  @Test
  void newUseWhoamiListAndImport() throws Exception {
    Cli cli = new Cli(home);

    Cli.Result created = cli.run("identity", "new", "alice");
    assertThat(created.exitCode()).as("%s", created).isZero();
    String alice = created.out().replaceAll("(?s).*\\): (\\S+)\\n.*", "$1");
    assertThat(cli.run("identity", "use", "alice").exitCode()).isZero();
    assertThat(cli.run("identity", "whoami").out().strip()).isEqualTo(alice);

    Files.writeString(cli.workingDir().resolve("identity.pem"), DFX_SECP256K1_PEM);
    Cli.Result imported = cli.run("identity", "import", "dfx", "identity.pem");
    assertThat(imported.out())
        .contains("ctlwg-en2pb-zw3fn-nbv4x-6j3fz-6l23t-vqugo-prhpj-ao33y-5fmuz-lqe");
    assertThat(cli.run("identity", "whoami", "--identity", "dfx").out().strip())
        .isEqualTo("ctlwg-en2pb-zw3fn-nbv4x-6j3fz-6l23t-vqugo-prhpj-ao33y-5fmuz-lqe");

    Cli.Result list = cli.run("identity", "list");
    assertThat(list.out()).contains("* alice").contains("  dfx").contains("  anonymous  ".strip());
    assertThat(cli.run("identity", "new", "k1", "--type", "secp256k1").exitCode()).isZero();
  }

  @Test
  void mistakesSayWhatToDo() {
    Cli cli = new Cli(home);
    Cli.Result missing = cli.run("identity", "use", "nobody");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).contains("there is no identity \"nobody\"").contains("canopy identity list");

    Cli.Result badFile = cli.run("identity", "import", "x", "nothing.pem");
    assertThat(badFile.exitCode()).isEqualTo(1);
    assertThat(badFile.err()).contains("there is no file");

    Cli.Result badType = cli.run("identity", "new", "y", "--type", "rsa");
    assertThat(badType.exitCode()).isEqualTo(2);
    assertThat(badType.err()).contains("--type is ed25519 or secp256k1");
  }
}
