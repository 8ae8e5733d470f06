// The two JavaScript agents under test, behind one shape so every test runs with both:
// @dfinity/agent 3.4.3 (v3 call, v2 query and read_state) and @icp-sdk/core 6.1.0 (v4 call, v3
// query and read_state). Each flavour keeps its own IDL, Principal and error classes: values of one
// library are not instances of the other's classes.
import * as legacyAgent from '@dfinity/agent';
import * as legacyCandid from '@dfinity/candid';
import * as legacyPrincipal from '@dfinity/principal';
import * as legacyIdentity from '@dfinity/identity';
import * as icpAgent from '@icp-sdk/core/agent';
import * as icpCandid from '@icp-sdk/core/candid';
import * as icpPrincipal from '@icp-sdk/core/principal';
import * as icpIdentity from '@icp-sdk/core/identity';

/** @typedef {ReturnType<typeof flavour>} Flavour */

function flavour(name, agent, candid, principal, identity) {
  return {
    name,
    HttpAgent: agent.HttpAgent,
    Actor: agent.Actor,
    CanisterStatus: agent.CanisterStatus,
    RejectError: agent.RejectError,
    CertifiedRejectErrorCode: agent.CertifiedRejectErrorCode,
    UncertifiedRejectErrorCode: agent.UncertifiedRejectErrorCode,
    pollForResponse: agent.pollForResponse,
    IDL: candid.IDL,
    Principal: principal.Principal,
    Ed25519KeyIdentity: identity.Ed25519KeyIdentity,
  };
}

export const FLAVOURS = {
  'agent-3.4.3': flavour('@dfinity/agent 3.4.3', legacyAgent, legacyCandid, legacyPrincipal,
    legacyIdentity),
  'icp-sdk-6.1.0': flavour('@icp-sdk/core 6.1.0', icpAgent, icpCandid, icpPrincipal, icpIdentity),
};
