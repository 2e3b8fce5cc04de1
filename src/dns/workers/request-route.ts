// Which datagrams a DNS worker answers itself and which it hands to the primary process: a worker
// holds the zone and the plain responder only, so anything the transfer front or a future
// responder path in the primary deals with (other opcodes such as UPDATE and NOTIFY, AXFR/IXFR,
// TSIG-signed requests) goes to the primary. Mirrors src/dns/transfer/front.ts's first checks.
import { HEADER_LENGTH, Opcode, RRType } from '../constants.js';
import { questionType } from '../../metrics/dns-counters.js';
import { findTsig } from '../tsig.js';

/** True when the primary must answer this datagram; false when the plain responder does. */
export function answeredByPrimary(msg: Buffer): boolean {
  // Unreadable headers and responses: the plain responder stays silent, as the primary would.
  if (msg.length < HEADER_LENGTH || (msg[2]! & 0x80) !== 0) return false;
  if (((msg[2]! >> 3) & 0xf) !== Opcode.QUERY) return true;
  const qtype = questionType(msg);
  if (qtype === RRType.AXFR || qtype === RRType.IXFR) return true;
  if (msg.readUInt16BE(10) === 0) return false;
  // A broken TSIG in a plain query is answered as the plain query it is (as the front does).
  const tsig = findTsig(msg);
  return tsig !== null && typeof tsig !== 'string';
}
