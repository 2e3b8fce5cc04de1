// DNS UPDATE (RFC 2136) for accounts with a TSIG key: the key names the account's slot, and the
// update may change only that slot's TXT values (src/dns/update/update-policy.ts). The change
// goes through the store exactly as POST /update does (same queue, transaction, fsync, retention,
// journal and NOTIFY) and the NOERROR reply, TSIG-signed, is sent only once DNS serves it.
import { allowedFrom } from '../../accounts/service.js';
import { AppError } from '../../errors.js';
import type { Admission, UpdateGuard } from '../../limits/update-guard.js';
import type { Logger } from '../../log.js';
import type { Account, AddressOutcome, AddressUpdate, SlotAddresses, SlotChange, SlotEdit } from '../../store/store.js';
import { HEADER_LENGTH, Opcode, Rcode, RRClass, RRType } from '../constants.js';
import type { PeerReply, PeerResponder } from '../peer-responder.js';
import type { Transport } from '../responder.js';
import { bareReply, signReply, tsigErrorReply, type SignedRequest } from '../tsig-replies.js';
import { findTsigIn, tsigAlgorithms, tsigErrorName, verifyRequest, type TsigAlgorithm, type TsigKey } from '../tsig.js';
import type { ZoneView } from '../zone-index.js';
import { evaluatePrerequisites, rdataBytes, txtRdata, type ZoneData } from './prerequisites.js';
import { readUpdate, type UpdateMessage } from './update-message.js';
import { applyAddressSteps, planAddressUpdate, planUpdate } from './update-policy.js';

/** What the responder needs of the store. */
export interface UpdateStore {
  getAccountBySubdomain(subdomain: string): Account | undefined;
  submitSlotEdit(subdomain: string, edit: SlotEdit, remote?: string | null): Promise<SlotChange>;
  slotAddresses(subdomain: string): SlotAddresses;
  setAddresses(update: AddressUpdate): AddressOutcome;
}

export interface UpdateResponderOptions {
  readonly zone: ZoneView;
  readonly store: UpdateStore;
  readonly logger: Logger;
  /** Failed-signature limits by source address and key name (the API's kind of buckets). */
  readonly guard?: UpdateGuard;
  /** Updates being committed at once; beyond, SERVFAIL (the client retries). */
  readonly maxPending?: number;
  /** Seconds since the epoch; tests move it. */
  readonly now?: () => number;
  /** Resolves once every process answering DNS serves the change just committed (DNS workers). */
  readonly dnsVisible?: () => Promise<void>;
  /** ddns.allow_private_addresses, for ddns accounts' A/AAAA. */
  readonly allowPrivateAddresses?: boolean;
}

export interface UpdateResponder {
  respond(msg: Buffer, transport: Transport, peer: string): PeerReply;
}

/** Requests with opcode UPDATE go to `update`, everything else to `next`. */
export function routeUpdates(next: PeerResponder, update: UpdateResponder): PeerResponder {
  return {
    respond(msg, transport, peer, rrl, peerPort) {
      const isUpdate = msg.length >= HEADER_LENGTH && (msg[2]! & 0x80) === 0 && ((msg[2]! >> 3) & 0xf) === Opcode.UPDATE;
      return isUpdate ? update.respond(msg, transport, peer) : next.respond(msg, transport, peer, rrl, peerPort);
    },
  };
}

/** A prerequisite that no longer held inside the transaction. */
class PrerequisiteFailed extends AppError {
  constructor(readonly rcode: number) {
    super('prerequisite_failed', `prerequisite failed (rcode ${rcode})`);
  }
}

const DEFAULT_MAX_PENDING = 1000;

export function createUpdateResponder(options: UpdateResponderOptions): UpdateResponder {
  const { zone, store, logger, guard } = options;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
  const origin = zone.origin;
  let pending = 0;

  /** The account and key a TSIG key name stands for: `<subdomain>.<zone>`, active, with a key. */
  const accountKey = (keyName: string): { account: Account; key: TsigKey } | undefined => {
    if (!keyName.endsWith(`.${origin}`)) return undefined;
    const account = store.getAccountBySubdomain(keyName.slice(0, -(origin.length + 1)));
    if (!account || account.state !== 'active' || !account.tsig || !(account.tsig.algorithm in tsigAlgorithms)) return undefined;
    return { account, key: { name: keyName, algorithm: account.tsig.algorithm as TsigAlgorithm, secret: Buffer.from(account.tsig.secret, 'base64') } };
  };

  const respond = (msg: Buffer, transport: Transport, peer: string): PeerReply => {
    const update = readUpdate(msg);
    if (typeof update === 'string') {
      logger.debug('dns update: malformed', { peer, transport, problem: update });
      return bareReply(msg, null, Rcode.FORMERR);
    }
    const { parsed } = update;
    const tsig = findTsigIn(msg, parsed);
    if (typeof tsig === 'string') return bareReply(msg, parsed, Rcode.FORMERR);
    const reply = (rcode: number, signed: SignedRequest | null): Buffer => signReply(bareReply(msg, parsed, rcode), signed, now());

    let signed: SignedRequest | null = null;
    let found: { account: Account; key: TsigKey } | undefined;
    let admission: Admission | undefined;
    if (tsig) {
      admission = guard?.admit(tsig.keyName, peer);
      if (admission && !admission.ok) {
        logger.debug('dns update refused: rate limited', { peer, key: tsig.keyName, limit: admission.limit });
        return bareReply(msg, parsed, Rcode.REFUSED);
      }
      found = accountKey(tsig.keyName);
      const check = verifyRequest(msg, tsig, found ? [found.key] : [], now());
      if (!check.ok) {
        admission?.done('failure');
        logger.warn('dns update refused: TSIG', { peer, transport, key: tsig.keyName, algorithm: tsig.algorithmName, error: tsigErrorName(check.error) });
        return tsigErrorReply(msg, check.tsig, check.error, check.key, now());
      }
      admission?.done('success');
      signed = { key: check.key, tsig: check.tsig };
    }
    const refuse = (rcode: number, reason: string): Buffer => {
      logger.warn('dns update refused', { peer, transport, key: signed?.key.name, rcode, reason });
      return reply(rcode, signed);
    };

    const zoneRefusal = zoneSectionRefusal(update);
    if (zoneRefusal) return refuse(zoneRefusal.rcode, zoneRefusal.reason);
    if (!signed || !found) return refuse(Rcode.REFUSED, 'not signed with a TSIG key');
    const { account } = found;
    if (!allowedFrom(account, peer)) return refuse(Rcode.REFUSED, 'address not in the account allowfrom');

    // Prerequisites first (RFC 2136 §3.2), against what DNS serves now; again inside the transaction.
    const slot = `${account.subdomain}.${origin}`;
    const prerequisites = evaluatePrerequisites(update.prerequisites, origin, zoneData(zone));
    if (prerequisites !== Rcode.NOERROR) return refuse(prerequisites, 'prerequisite');
    if (account.kind === 'ddns') return updateAddresses(update, account, slot, signed, peer, refuse, reply);
    const plan = planUpdate(update.updates, { origin, slot });
    if (!plan.ok) return refuse(plan.rcode, plan.reason);
    if (plan.steps.length === 0) return reply(Rcode.NOERROR, signed);
    if (pending >= maxPending) return refuse(Rcode.SERVFAIL, 'too many updates being committed');

    const edit: SlotEdit = {
      steps: plan.steps,
      via: `dns-update ${signed.key.name}`,
      check: (served) => {
        const rcode = evaluatePrerequisites(update.prerequisites, origin, slotData(zone, slot, served));
        return rcode === Rcode.NOERROR ? null : new PrerequisiteFailed(rcode);
      },
    };
    pending++;
    const keyName = signed.key.name;
    const answer = signed;
    return store
      .submitSlotEdit(account.subdomain, edit, peer)
      .then(async (change) => {
        await options.dnsVisible?.();
        return change;
      })
      .then(
        (change) => {
          logger.info('txt updated', { username: account.username, subdomain: account.subdomain, via: 'dns update', key: keyName, peer, values: change.values?.length ?? 0 });
          return reply(Rcode.NOERROR, answer);
        },
        (error: unknown) => {
          if (error instanceof PrerequisiteFailed) return refuse(error.rcode, 'prerequisite (at commit)');
          if (error instanceof AppError && error.code === 'slot_not_found') return refuse(Rcode.REFUSED, 'the account is no longer active');
          logger.error('dns update failed', { error, subdomain: account.subdomain, key: keyName });
          return reply(Rcode.SERVFAIL, answer);
        },
      )
      .finally(() => {
        pending--;
      });
  };

  return {
    respond(msg, transport, peer) {
      try {
        return respond(msg, transport, peer);
      } catch (error) {
        logger.error('dns update: failed to answer', { error, transport, bytes: msg.length });
        return bareReply(msg, null, Rcode.SERVFAIL);
      }
    },
  };

  /**
   * A ddns account's A/AAAA: its one address per family is set through the store's own path for
   * addresses (synchronous, so the prerequisites just evaluated still hold), then answered once
   * DNS serves it.
   */
  function updateAddresses(
    update: UpdateMessage,
    account: Account,
    slot: string,
    signed: SignedRequest,
    peer: string,
    refuse: (rcode: number, reason: string) => Buffer,
    reply: (rcode: number, signed: SignedRequest | null) => Buffer,
  ): PeerReply {
    const plan = planAddressUpdate(update.updates, { origin, slot, allowPrivate: options.allowPrivateAddresses ?? false });
    if (!plan.ok) return refuse(plan.rcode, plan.reason);
    if (plan.steps.length === 0) return reply(Rcode.NOERROR, signed);
    const next = applyAddressSteps(store.slotAddresses(account.subdomain), plan.steps);
    let outcome: AddressOutcome;
    try {
      outcome = store.setAddresses({ subdomain: account.subdomain, ipv4: next.ipv4, ipv6: next.ipv6, remote: peer });
    } catch (error) {
      if (error instanceof AppError && error.code === 'slot_not_found') return refuse(Rcode.REFUSED, 'the account is no longer active');
      logger.error('dns update failed', { error, subdomain: account.subdomain, key: signed.key.name });
      return reply(Rcode.SERVFAIL, signed);
    }
    if (!outcome.changed) return reply(Rcode.NOERROR, signed);
    logger.info('addresses updated', { username: account.username, subdomain: account.subdomain, via: 'dns update', key: signed.key.name, peer });
    return (options.dnsVisible?.() ?? Promise.resolve()).then(
      () => reply(Rcode.NOERROR, signed),
      (error: unknown) => {
        logger.error('dns update: not confirmed by every DNS process', { error, subdomain: account.subdomain });
        return reply(Rcode.SERVFAIL, signed);
      },
    );
  }

  function zoneSectionRefusal(update: UpdateMessage): { rcode: number; reason: string } | null {
    const z = update.zone;
    if (z.type !== RRType.SOA) return { rcode: Rcode.FORMERR, reason: 'zone section type is not SOA' };
    if (z.class !== RRClass.IN || z.name !== origin) return { rcode: Rcode.NOTAUTH, reason: 'not our zone' };
    return null;
  }
}

/** The zone index as prerequisite data. */
function zoneData(zone: ZoneView): ZoneData {
  return (name) => {
    const rrsets = zone.rrsets(name);
    if (!rrsets) return undefined;
    const out = new Map<number, Buffer[]>();
    for (const [type, rrset] of rrsets) out.set(type, rrset.rdata.map(rdataBytes));
    return out;
  };
}

/** The same with the slot's TXT as the transaction sees it. */
function slotData(zone: ZoneView, slot: string, served: readonly string[]): ZoneData {
  const base = zoneData(zone);
  return (name) => {
    if (name !== slot) return base(name);
    const out = new Map(base(name));
    if (served.length > 0) out.set(RRType.TXT, served.map(txtRdata));
    else out.delete(RRType.TXT);
    return out.size > 0 ? out : undefined;
  };
}
