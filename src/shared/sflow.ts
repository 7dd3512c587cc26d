/** sFlow's interface value 0x3FFFFFFF: "internal / no interface" (pmacct sfprobe sends it). Never a member port. */
export const SFLOW_INTERNAL_IF = 0x3fffffff;
