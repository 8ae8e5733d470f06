package dev.canopy.state;

/** The text at {@code /subnet/<sid>/type} (spec "Subnet information"). */
public enum SubnetType {
  APPLICATION("application"),
  SYSTEM("system"),
  VERIFIED_APPLICATION("verified_application"),
  CLOUD_ENGINE("cloud_engine");

  private final String label;

  SubnetType(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
