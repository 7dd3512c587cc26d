/** The DDoS rules' bits: a mask says which rules fire or may be emitted; RULE_COUNT slots of emission times. */
export const RULE_VOL = 1;
export const RULE_TCP = 2;
export const RULE_UDP = 4;
export const RULE_ICMP = 8;
export const RULE_PROTO = RULE_TCP | RULE_UDP | RULE_ICMP;
export const RULE_AMP = 16;
export const RULE_SYN = 32;
export const RULE_FRAG = 64;
export const RULE_ALL = 127;
export const RULE_COUNT = 7;
