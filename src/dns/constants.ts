// DNS wire numbers we use (RFC 1035, 6891, 6895), named once so rules and codecs agree.

export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  DS: 43,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  CAA: 257,
} as const;

export const RRClass = { IN: 1, NONE: 254, ANY: 255 } as const;

export const Opcode = { QUERY: 0, UPDATE: 5 } as const;

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** RFC 2136 §2.2: prerequisite and zone answers of UPDATE. */
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
  /** Extended (12-bit) rcode carried partly in the OPT TTL (RFC 6891 §6.1.3). */
  BADVERS: 16,
} as const;

/** Our EDNS UDP payload size: the DNS Flag Day 2020 value, safe against fragmentation. */
export const OUR_UDP_PAYLOAD = 1232;
/** What a requester without EDNS can receive over UDP (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_LIMIT = 512;
/** A DNS message over TCP is length-prefixed with 16 bits. */
export const TCP_MESSAGE_LIMIT = 65535;
/** Header length in bytes. */
export const HEADER_LENGTH = 12;
