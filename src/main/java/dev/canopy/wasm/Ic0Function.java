package dev.canopy.wasm;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every function of the {@code ic0} module for wasm32 canisters, with its type and the contexts
 * that may call it (spec "Overview of imports"; {@code I = i32}). In the signatures, {@code i} is
 * i32 and {@code l} is i64.
 */
enum Ic0Function {
  MSG_ARG_DATA_SIZE("msg_arg_data_size", "", "i", "I U RQ NRQ TQ CQ Ry CRy F"),
  MSG_ARG_DATA_COPY("msg_arg_data_copy", "iii", "", "I U RQ NRQ TQ CQ Ry CRy F"),
  MSG_CALLER_SIZE("msg_caller_size", "", "i", "*"),
  MSG_CALLER_COPY("msg_caller_copy", "iii", "", "*"),
  MSG_CALLER_INFO_DATA_SIZE("msg_caller_info_data_size", "", "i", "U RQ NRQ CQ Ry Rt CRy CRt C CC F"),
  MSG_CALLER_INFO_DATA_COPY("msg_caller_info_data_copy", "iii", "", "U RQ NRQ CQ Ry Rt CRy CRt C CC F"),
  MSG_CALLER_INFO_SIGNER_SIZE("msg_caller_info_signer_size", "", "i", "U RQ NRQ CQ Ry Rt CRy CRt C CC F"),
  MSG_CALLER_INFO_SIGNER_COPY("msg_caller_info_signer_copy", "iii", "", "U RQ NRQ CQ Ry Rt CRy CRt C CC F"),
  MSG_REJECT_CODE("msg_reject_code", "", "i", "Ry Rt CRy CRt C"),
  MSG_REJECT_MSG_SIZE("msg_reject_msg_size", "", "i", "Rt CRt"),
  MSG_REJECT_MSG_COPY("msg_reject_msg_copy", "iii", "", "Rt CRt"),
  MSG_DEADLINE("msg_deadline", "", "l", "U RQ NRQ CQ Ry Rt CRy CRt"),
  MSG_REPLY_DATA_APPEND("msg_reply_data_append", "ii", "", "U RQ NRQ TQ CQ Ry Rt CRy CRt"),
  MSG_REPLY("msg_reply", "", "", "U RQ NRQ TQ CQ Ry Rt CRy CRt"),
  MSG_REJECT("msg_reject", "ii", "", "U RQ NRQ TQ CQ Ry Rt CRy CRt"),
  MSG_CYCLES_AVAILABLE128("msg_cycles_available128", "i", "", "U RQ Rt Ry"),
  MSG_CYCLES_REFUNDED128("msg_cycles_refunded128", "i", "", "Rt Ry"),
  MSG_CYCLES_ACCEPT128("msg_cycles_accept128", "lli", "", "U RQ Rt Ry"),
  CYCLES_BURN128("cycles_burn128", "lli", "", "I G U RQ Ry Rt C T"),
  CANISTER_SELF_SIZE("canister_self_size", "", "i", "*"),
  CANISTER_SELF_COPY("canister_self_copy", "iii", "", "*"),
  CANISTER_CYCLE_BALANCE128("canister_cycle_balance128", "i", "", "*"),
  CANISTER_LIQUID_CYCLE_BALANCE128("canister_liquid_cycle_balance128", "i", "", "*"),
  CANISTER_STATUS("canister_status", "", "i", "*"),
  CANISTER_VERSION("canister_version", "", "l", "*"),
  SUBNET_SELF_SIZE("subnet_self_size", "", "i", "*"),
  SUBNET_SELF_COPY("subnet_self_copy", "iii", "", "*"),
  SUBNET_SELF_NODE_COUNT("subnet_self_node_count", "", "i", "*"),
  MSG_METHOD_NAME_SIZE("msg_method_name_size", "", "i", "F"),
  MSG_METHOD_NAME_COPY("msg_method_name_copy", "iii", "", "F"),
  ACCEPT_MESSAGE("accept_message", "", "", "F"),
  CALL_NEW("call_new", "iiiiiiii", "", "U CQ Ry Rt CRy CRt T"),
  CALL_ON_CLEANUP("call_on_cleanup", "ii", "", "U CQ Ry Rt CRy CRt T"),
  CALL_DATA_APPEND("call_data_append", "ii", "", "U CQ Ry Rt CRy CRt T"),
  CALL_WITH_BEST_EFFORT_RESPONSE("call_with_best_effort_response", "i", "", "U CQ Ry Rt CRy CRt T"),
  CALL_CYCLES_ADD128("call_cycles_add128", "ll", "", "U Ry Rt T"),
  CALL_PERFORM("call_perform", "", "i", "U CQ Ry Rt CRy CRt T"),
  STABLE64_SIZE("stable64_size", "", "l", "* s"),
  STABLE64_GROW("stable64_grow", "l", "l", "* s"),
  STABLE64_WRITE("stable64_write", "lll", "", "* s"),
  STABLE64_READ("stable64_read", "lll", "", "* s"),
  ROOT_KEY_SIZE("root_key_size", "", "i", "I G U RQ Ry Rt C T"),
  ROOT_KEY_COPY("root_key_copy", "iii", "", "I G U RQ Ry Rt C T"),
  CERTIFIED_DATA_SET("certified_data_set", "ii", "", "I G U Ry Rt T"),
  DATA_CERTIFICATE_PRESENT("data_certificate_present", "", "i", "*"),
  DATA_CERTIFICATE_SIZE("data_certificate_size", "", "i", "NRQ CQ"),
  DATA_CERTIFICATE_COPY("data_certificate_copy", "iii", "", "NRQ CQ"),
  TIME("time", "", "l", "*"),
  GLOBAL_TIMER_SET("global_timer_set", "l", "l", "I G U Ry Rt C T"),
  PERFORMANCE_COUNTER("performance_counter", "i", "l", "* s"),
  IS_CONTROLLER("is_controller", "ii", "i", "* s"),
  IN_REPLICATED_EXECUTION("in_replicated_execution", "", "i", "* s"),
  COST_CALL("cost_call", "lli", "", "* s"),
  COST_CREATE_CANISTER("cost_create_canister", "i", "", "* s"),
  COST_HTTP_REQUEST("cost_http_request", "lli", "", "* s"),
  COST_HTTP_REQUEST_V2("cost_http_request_v2", "iii", "", "* s"),
  COST_SIGN_WITH_ECDSA("cost_sign_with_ecdsa", "iiii", "i", "* s"),
  COST_SIGN_WITH_SCHNORR("cost_sign_with_schnorr", "iiii", "i", "* s"),
  COST_VETKD_DERIVE_KEY("cost_vetkd_derive_key", "iiii", "i", "* s"),
  ENV_VAR_COUNT("env_var_count", "", "i", "*"),
  ENV_VAR_NAME_SIZE("env_var_name_size", "i", "i", "*"),
  ENV_VAR_NAME_COPY("env_var_name_copy", "iiii", "", "*"),
  ENV_VAR_NAME_EXISTS("env_var_name_exists", "ii", "i", "*"),
  ENV_VAR_VALUE_SIZE("env_var_value_size", "ii", "i", "*"),
  ENV_VAR_VALUE_COPY("env_var_value_copy", "iiiii", "", "*"),
  DEBUG_PRINT("debug_print", "ii", "", "* s"),
  TRAP("trap", "ii", "", "* s"),
  // Deprecated, only for I = i32.
  MSG_CYCLES_AVAILABLE("msg_cycles_available", "", "l", "U RQ Rt Ry"),
  MSG_CYCLES_REFUNDED("msg_cycles_refunded", "", "l", "Rt Ry"),
  MSG_CYCLES_ACCEPT("msg_cycles_accept", "l", "l", "U RQ Rt Ry"),
  CANISTER_CYCLE_BALANCE("canister_cycle_balance", "", "l", "*"),
  CALL_CYCLES_ADD("call_cycles_add", "l", "", "U Ry Rt T"),
  STABLE_SIZE("stable_size", "", "i", "* s"),
  STABLE_GROW("stable_grow", "i", "i", "* s"),
  STABLE_WRITE("stable_write", "iii", "", "* s"),
  STABLE_READ("stable_read", "iii", "", "* s");

  static final String MODULE = "ic0";

  private static final Map<String, Ic0Function> BY_NAME = new TreeMap<>();

  static {
    for (Ic0Function f : values()) {
      BY_NAME.put(f.importName, f);
    }
  }

  private final String importName;
  private final FunctionType type;
  private final Set<ApiContext> contexts;

  Ic0Function(String importName, String params, String results, String contexts) {
    this.importName = importName;
    this.type = FunctionType.of(types(params), types(results));
    this.contexts = Collections.unmodifiableSet(ApiContext.parse(contexts));
  }

  String importName() {
    return importName;
  }

  FunctionType type() {
    return type;
  }

  Set<ApiContext> contexts() {
    return contexts;
  }

  /** The function of this name, or null if {@code ic0} has none. */
  static Ic0Function byName(String name) {
    return BY_NAME.get(name);
  }

  private static List<ValType> types(String codes) {
    List<ValType> list = new ArrayList<>();
    for (char c : codes.toCharArray()) {
      list.add(c == 'i' ? ValType.I32 : ValType.I64);
    }
    return list;
  }
}
