/**
 * call_single_queue: a lock-free, multi-producer, single-consumer ring of csd numbers, one per
 * CPU, in the SharedArrayBuffer.
 *
 * Linux keeps this queue as an llist whose push tells the sender whether the list was empty; the
 * sender raises the IPI only then. The ring keeps that contract:
 *
 * - A slot holds either a csd number + 1 (> 0), or the marker ~p (< 0) meaning "empty, waiting
 *   for position p". A producer claims position t by CAS-ing the slot from ~t to its value: the
 *   CAS both claims and publishes, so the consumer never sees a claimed-but-unwritten slot, and a
 *   producer holding a stale t fails (the slot's marker has moved on a lap).
 * - kRingTail only says where to try next: whoever sees slot t filled advances it (helping).
 * - The consumer, owner of kRingHead, handles the entry at p while it is still in the slot
 *   (ringPeek), then recycles the slot with the marker ~(p + capacity), stores head = p + 1 and
 *   looks at slot p + 1 (ringAdvance). Recycling after the handler keeps two stores off the
 *   path from the IPI to the acknowledgement; a sender that pushes meanwhile sees head ≠ its
 *   position and raises no IPI, which is right: the consumer is still draining.
 * - "Was the queue empty?" is a Dekker handshake: the producer stores its slot then loads head;
 *   the consumer stores head then loads the next slot. Atomics are sequentially consistent, so at
 *   least one side sees the other: the producer sees head == t (and raises the IPI), or the
 *   consumer sees the slot filled (and takes it in this drain). Both may happen: an IPI that finds
 *   the queue already drained is harmless.
 *
 * Positions count modulo 2^30 so that the markers stay negative Int32s; the capacity is a power
 * of two, so slot = position & (capacity - 1) survives the wrap. The capacity is chosen so that
 * the ring never fills (see ringCapacityFor): a full ring is a bug and throws.
 */
import { kRingHead, kRingSlots, ringTailOffset } from './layout.js';

const POS_MASK = (1 << 30) - 1;

/** A producer retrying this often is not contending but broken (the ring can never fill). */
const PUSH_RETRY_LIMIT = 1 << 22;

export function ringInit(i32: Int32Array, base: number, capacity: number): void {
  Atomics.store(i32, base + ringTailOffset(capacity), 0);
  Atomics.store(i32, base + kRingHead, 0);
  for (let p = 0; p < capacity; p++) i32[base + kRingSlots + p] = ~p;
}

/**
 * Pushes `value` (> 0) and returns true when the queue was empty before it: the caller must then
 * raise the IPI. Safe to call from any number of CPUs at once.
 */
export function ringPush(i32: Int32Array, base: number, capacity: number, value: number): boolean {
  const mask = capacity - 1;
  const tail = base + ringTailOffset(capacity);
  for (let tries = 0; tries < PUSH_RETRY_LIMIT; tries++) {
    // Pairs with the CAS below (other producers) and with helpers advancing the tail.
    const t = Atomics.load(i32, tail);
    const slot = base + kRingSlots + (t & mask);
    // Claims and publishes in one step; pairs with ringPeek's Atomics.load of the slot. Tried
    // before anything else reads the line, so the line comes over once, owned.
    const seen = Atomics.compareExchange(i32, slot, ~t, value);
    if (seen === ~t) {
      // Advance the tail past our slot, unless a helper already did.
      Atomics.compareExchange(i32, tail, t, (t + 1) & POS_MASK);
      // Dekker with ringAdvance's store of head: if the consumer has not moved past t, it may
      // have looked at our slot before we filled it, so it needs the IPI.
      return Atomics.load(i32, base + kRingHead) === t;
    }
    if (seen > 0) {
      // The slot holds an entry: either another producer just filled it (help it advance the
      // tail) or the ring is full — every slot unconsumed, which its sizing forbids.
      const inFlight = (((t - Atomics.load(i32, base + kRingHead)) & POS_MASK) << 2) >> 2;
      if (inFlight >= capacity) {
        throw new Error(`csd ring overflow at position ${t} (capacity ${capacity})`);
      }
      Atomics.compareExchange(i32, tail, t, (t + 1) & POS_MASK);
    }
    // Otherwise our t was stale (the slot's marker moved on a lap): read the tail again.
  }
  throw new Error(`csd ring push did not complete after ${PUSH_RETRY_LIMIT} tries`);
}

/** The oldest entry, left in place, or 0 when the queue is empty. Only the owner may call it. */
export function ringPeek(i32: Int32Array, base: number, capacity: number): number {
  const h = i32[base + kRingHead];
  // Pairs with ringPush's compareExchange that filled the slot.
  const value = Atomics.load(i32, base + kRingSlots + (h & (capacity - 1)));
  return Math.max(value, 0);
}

/** Retires the entry ringPeek returned. Only the owner may call it. */
export function ringAdvance(i32: Int32Array, base: number, capacity: number): void {
  const h = i32[base + kRingHead];
  // Recycle the slot for the position one lap ahead; pairs with a future producer's CAS.
  Atomics.store(i32, base + kRingSlots + (h & (capacity - 1)), ~((h + capacity) & POS_MASK));
  // Dekker with ringPush's load of head (see the header comment).
  Atomics.store(i32, base + kRingHead, (h + 1) & POS_MASK);
}

/** Takes the oldest entry, or returns 0 when the queue is empty. Only the owner may call it. */
export function ringPop(i32: Int32Array, base: number, capacity: number): number {
  const value = ringPeek(i32, base, capacity);
  if (value !== 0) ringAdvance(i32, base, capacity);
  return value;
}
