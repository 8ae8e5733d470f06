package dev.canopy.execution.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidText;
import dev.canopy.candid.CandidType;
import dev.canopy.candid.CandidValue;
import dev.canopy.execution.management.ManagementTypes.CanisterIdArgs;
import dev.canopy.execution.management.ManagementTypes.CanisterSettings;
import dev.canopy.execution.management.ManagementTypes.CanisterStatusResult;
import dev.canopy.execution.management.ManagementTypes.CreateCanisterArgs;
import dev.canopy.execution.management.ManagementTypes.EnvironmentVariable;
import dev.canopy.execution.management.ManagementTypes.InstallChunkedCodeArgs;
import dev.canopy.execution.management.ManagementTypes.InstallCodeArgs;
import dev.canopy.execution.management.ManagementTypes.InstallMode;
import dev.canopy.execution.management.ManagementTypes.MemoryMetrics;
import dev.canopy.execution.management.ManagementTypes.ProvisionalCreateCanisterArgs;
import dev.canopy.execution.management.ManagementTypes.QueryStats;
import dev.canopy.execution.management.ManagementTypes.UpdateSettingsArgs;
import dev.canopy.execution.CanisterChange;
import dev.canopy.execution.LogVisibility;
import dev.canopy.execution.management.ManagementTypes.CanisterInfoResult;
import dev.canopy.types.CanisterId;
import dev.canopy.types.ErrorCode;
import dev.canopy.types.Principal;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManagementTypesTest {
  static final Principal ALICE = Principal.fromBytes(new byte[] {1, 2, 3});
  static final CanisterId C1 = CanisterId.fromIndex(1);

  /** Encodes a textual Candid argument at the types it is written with (as a client would). */
  private static byte[] textArg(String text, String... types) {
    List<CandidType> ts = java.util.Arrays.stream(types).map(CandidText::parseType).toList();
    return new CandidArgs(ts, CandidText.parseArgs(text, ts)).encode();
  }

  @Test
  void theInterfaceIsTheSpecsIcDid() {
    assertThat(ManagementTypes.INTERFACE.serviceType().methods()).hasSizeGreaterThan(30);
    assertThat(ManagementTypes.method("install_code")).isPresent();
    assertThat(ManagementTypes.method("canister_status").orElseThrow().modes())
        .contains(CandidType.FuncMode.QUERY);
  }

  @Test
  void absentOptFieldsDecodeAsNullAndUnknownFieldsAreIgnored() {
    byte[] payload = textArg("(record { settings = opt record {"
            + " freezing_threshold = opt 7 : opt nat; unknown_setting = 5 : nat };"
            + " extra = \"x\" })",
        "record { settings : opt record { freezing_threshold : opt nat; unknown_setting : nat };"
            + " extra : text }");
    CreateCanisterArgs args = CreateCanisterArgs.decode(payload);
    assertThat(args.senderCanisterVersion()).isNull();
    assertThat(args.settings().freezingThreshold()).isEqualTo(BigInteger.valueOf(7));
    assertThat(args.settings().controllers()).isNull();
    assertThat(args.settings().logVisibility()).isNull();
  }

  @Test
  void anEmptyRecordIsAValidCreateCanisterArgument() {
    CreateCanisterArgs args = CreateCanisterArgs.decode(textArg("(record {})", "record {}"));
    assertThat(args.settings()).isEqualTo(CanisterSettings.NONE);
  }

  @Test
  void malformedArgumentsAreInvalidManagementPayloadNamingTheMethod() {
    byte[] notCandid = {1, 2, 3};
    assertThatThrownBy(() -> InstallCodeArgs.decode(notCandid))
        .isInstanceOfSatisfying(ManagementReject.class, r -> {
          assertThat(r.code()).isEqualTo(ErrorCode.INVALID_MANAGEMENT_PAYLOAD);
          assertThat(r.code().text()).isEqualTo("IC0408");
          assertThat(r.getMessage()).startsWith("Error decoding candid: ")
              .contains("install_code");
        });
    // A required field missing.
    byte[] missing = textArg("(record { canister_id = principal \"aaaaa-aa\" })",
        "record { canister_id : principal }");
    assertThatThrownBy(() -> InstallCodeArgs.decode(missing))
        .isInstanceOfSatisfying(ManagementReject.class,
            r -> assertThat(r.getMessage()).contains("install_code").contains("missing"));
    // A field of the wrong type.
    byte[] wrongType =
        textArg("(record { canister_id = \"abc\" })", "record { canister_id : text }");
    assertThatThrownBy(() -> CanisterIdArgs.decode("start_canister", wrongType))
        .isInstanceOf(ManagementReject.class).hasMessageContaining("start_canister");
  }

  @Test
  void installCodeArgumentsRoundTripInEveryMode() {
    for (InstallMode mode : List.of(InstallMode.INSTALL, InstallMode.REINSTALL,
        new InstallMode.Upgrade(null, null), new InstallMode.Upgrade(true, false),
        new InstallMode.Upgrade(null, true))) {
      InstallCodeArgs a = new InstallCodeArgs(mode, C1, new byte[] {0, 'a', 's', 'm'},
          new byte[] {9}, 42L);
      InstallCodeArgs back = InstallCodeArgs.decode(a.encode());
      assertThat(back.mode()).isEqualTo(mode);
      assertThat(back.canisterId()).isEqualTo(C1);
      assertThat(back.wasmModule()).containsExactly(0, 'a', 's', 'm');
      assertThat(back.arg()).containsExactly(9);
      assertThat(back.senderCanisterVersion()).isEqualTo(42L);
    }
  }

  @Test
  void upgradeOptionsDecodeFromTheirCandidText() {
    byte[] payload = textArg("(record { mode = variant { upgrade = opt record {"
            + " wasm_memory_persistence = opt variant { keep } } }; canister_id = principal"
            + " \"rwlgt-iiaaa-aaaaa-aaaaa-cai\"; wasm_module = blob \"\"; arg = blob \"\" })",
        "record { mode : variant { install; reinstall; upgrade : opt record {"
            + " wasm_memory_persistence : opt variant { keep; replace } } };"
            + " canister_id : principal; wasm_module : blob; arg : blob }");
    InstallCodeArgs a = InstallCodeArgs.decode(payload);
    assertThat(a.mode()).isEqualTo(new InstallMode.Upgrade(null, true));
    assertThat(((InstallMode.Upgrade) a.mode()).skipsPreUpgrade()).isFalse();
  }

  @Test
  void settingsRoundTrip() {
    CanisterSettings s = new CanisterSettings(List.of(ALICE), BigInteger.ONE, BigInteger.TWO,
        BigInteger.TEN, null, BigInteger.ZERO, LogVisibility.PUBLIC,
        new LogVisibility.AllowedViewers(List.of(ALICE)), LogVisibility.CONTROLLERS, null, null,
        List.of(new EnvironmentVariable("A", "b")));
    UpdateSettingsArgs back =
        UpdateSettingsArgs.decode(new UpdateSettingsArgs(C1, s, null).encode());
    assertThat(back.settings()).isEqualTo(s);
    ProvisionalCreateCanisterArgs p = new ProvisionalCreateCanisterArgs(null, s, C1, 3L);
    assertThat(ProvisionalCreateCanisterArgs.decode(p.encode())).isEqualTo(p);
  }

  @Test
  void chunkedInstallArgumentsRoundTrip() {
    InstallChunkedCodeArgs a = new InstallChunkedCodeArgs(InstallMode.INSTALL, C1, null,
        List.of(new byte[32], new byte[] {1}), new byte[32], new byte[0], null);
    InstallChunkedCodeArgs back = InstallChunkedCodeArgs.decode(a.encode());
    assertThat(back.chunkHashes()).hasSize(2);
    assertThat(back.chunkHashes().get(1)).containsExactly(1);
    assertThat(back.storeCanister()).isNull();
  }

  @Test
  void statusAndInfoResultsEncodeAtTheInterfaceTypes() {
    CanisterStatusResult r = new CanisterStatusResult("running", false, 4, List.of(ALICE),
        dev.canopy.execution.CanisterSettings.DEFAULT, null,
        new MemoryMetrics(65536, 0, 16, 100, 0, 50, 0, 0), BigInteger.valueOf(1000),
        BigInteger.ZERO, BigInteger.ZERO, QueryStats.ZERO);
    CandidValue.Record decoded =
        (CandidValue.Record) ManagementTypes.decodeResult("canister_status", r.encode()).get(0);
    assertThat(decoded.get("memory_size")).isEqualTo(CandidValue.nat(65536 + 16 + 100 + 50));
    assertThat(decoded.get("module_hash")).isEqualTo(CandidValue.none());
    assertThat(((CandidValue.Variant) decoded.get("status")).is("running")).isTrue();
    CandidValue.Record settings = (CandidValue.Record) decoded.get("settings");
    assertThat(settings.get("reserved_cycles_limit"))
        .isEqualTo(CandidValue.nat(5_000_000_000_000L));
    assertThat(((CandidValue.Variant) settings.get("log_visibility")).is("controllers")).isTrue();

    CanisterInfoResult info = new CanisterInfoResult(2, List.of(
        new CanisterChange(5, 0, new CanisterChange.Origin.FromUser(ALICE),
            new CanisterChange.Details.Creation(List.of(ALICE), java.util.Optional.empty())),
        new CanisterChange(6, 1, new CanisterChange.Origin.FromCanister(C1.principal(),
            java.util.OptionalLong.of(7)),
            new CanisterChange.Details.CodeDeployment(CanisterChange.InstallMode.UPGRADE,
                new byte[32])),
        new CanisterChange(7, 2, new CanisterChange.Origin.FromUser(ALICE),
            new CanisterChange.Details.CodeUninstall()),
        new CanisterChange(8, 3, new CanisterChange.Origin.FromUser(ALICE),
            new CanisterChange.Details.ControllersChange(List.of()))),
        new byte[32], List.of(ALICE));
    CandidValue.Record i =
        (CandidValue.Record) ManagementTypes.decodeResult("canister_info", info.encode()).get(0);
    assertThat(i.get("total_num_changes")).isEqualTo(CandidValue.nat64(2));
    List<CandidValue> changes = ((CandidValue.Vec) i.get("recent_changes")).elements();
    assertThat(changes).hasSize(4);
    CandidValue.Variant deployment = (CandidValue.Variant)
        ((CandidValue.Record) changes.get(1)).get("details");
    assertThat(deployment.is("code_deployment")).isTrue();
    assertThat(((CandidValue.Variant) ((CandidValue.Record) deployment.value()).get("mode"))
        .is("upgrade")).isTrue();
  }

  @Test
  void moreThanTenAllowedViewersIsAMalformedPayload() {
    List<Principal> eleven = java.util.stream.IntStream.range(0, 11)
        .mapToObj(n -> Principal.fromBytes(new byte[] {(byte) n})).toList();
    CandidValue tooMany = CandidValue.variant("allowed_viewers",
        ManagementTypes.principalsValue(eleven));
    assertThatThrownBy(() -> ManagementTypes.visibilityFromCandid("log_visibility", tooMany))
        .isInstanceOfSatisfying(ManagementReject.class,
            r -> assertThat(r.code()).isEqualTo(ErrorCode.INVALID_MANAGEMENT_PAYLOAD));
  }
}
