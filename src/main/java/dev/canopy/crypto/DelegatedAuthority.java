package dev.canopy.crypto;

/**
 * What a verified delegation chain grants: the key that must sign the request, the canisters it
 * may target, and whether it may only query (spec "Authentication").
 */
public record DelegatedAuthority(UserPublicKey requestSigningKey, TargetRestriction targets, boolean queriesOnly) {}
