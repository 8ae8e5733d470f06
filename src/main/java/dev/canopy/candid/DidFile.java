package dev.canopy.candid;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed service description ({@code .did} file, spec "Interfaces"): type definitions in order,
 * and optionally the main service with its init arguments ({@code service : (init) -> {...}}).
 *
 * <p>Definitions map each name to its {@link CandidType.Named} type, in source order.
 */
public final class DidFile {
  private final Map<String, CandidType> definitions;
  private final List<CandidType> initArgs;
  private final CandidType service;

  /**
   * @param initArgs the init argument types, or null when the file gives none
   * @param service the main service type (resolving to {@link CandidType.Service}), or null
   */
  public DidFile(
      Map<String, CandidType> definitions, List<CandidType> initArgs, CandidType service) {
    this.definitions = Collections.unmodifiableMap(new LinkedHashMap<>(definitions));
    this.initArgs = initArgs == null ? null : List.copyOf(initArgs);
    this.service = service;
  }

  public Map<String, CandidType> definitions() {
    return definitions;
  }

  /** Parses a service description; imports are not supported. */
  public static DidFile parse(String text) {
    return new CandidParser(text).parseDidFile();
  }

  public Optional<CandidType> service() {
    return Optional.ofNullable(service);
  }

  public Optional<List<CandidType>> initArgs() {
    return Optional.ofNullable(initArgs);
  }

  /** The main service's structural type; throws if the file declares no service. */
  public CandidType.Service serviceType() {
    if (service == null) {
      throw new IllegalStateException("this service description declares no service");
    }
    return (CandidType.Service) service.resolve();
  }

  /** The method's function type, if the service has this method. */
  public Optional<CandidType.Func> method(String name) {
    if (service == null) {
      return Optional.empty();
    }
    CandidType.Method m = serviceType().method(name);
    return m == null ? Optional.empty() : Optional.of((CandidType.Func) m.type().resolve());
  }

  /** The type defined under this name, if any. */
  public Optional<CandidType> definition(String name) {
    return Optional.ofNullable(definitions.get(name));
  }

  /**
   * True if a canister with this interface may be upgraded to {@code upgraded} without breaking
   * clients: the new service type is a subtype of this one (spec "Upgrading and Subtyping").
   */
  public boolean acceptsUpgradeTo(DidFile upgraded) {
    return Subtyping.isSubtype(upgraded.serviceType(), serviceType());
  }

  /** The description in Candid syntax; parsing it again gives an equivalent description. */
  @Override
  public String toString() {
    return CandidPrinter.did(this);
  }
}
