/**
 * One traced flush as phases: each CPU's time between consecutive events belongs to the phase the
 * later event ends. The timeline draws them as lanes; the case view sums the initiator's.
 */
import type { Trace, TraceEvent } from './api.js';
import type { TimelineMarker, TimelineSegment } from './views/timeline-chart.js';

/**
 * A lane's time between two consecutive events belongs to the phase the later event ends. The
 * names are the simulator's trace events (sim/machine.ts), which follow the kernel's
 * smp_call_function_many_cond / flush_tlb_func sequence.
 */
export const PHASE_ENDED_BY: Readonly<Record<string, string>> = Object.freeze({
  'is-lazy-read': 'is-lazy',
  'csd-queued': 'queue-csd',
  'icr-write': 'send-ipi',
  'ipi-sent': 'send-ipi',
  'ipi-delivered': 'ipi-flight',
  'handler-start': 'irq-entry',
  'info-read': 'read-info',
  'info-copied': 'read-info',
  'tlb-state-read': 'flush-func',
  'tlb-gen-read': 'tlb-gen',
  'local-flush-end': 'flush',
  'flush-end': 'flush',
  'pti-flush-end': 'pti-flush',
  'irq-exit-end': 'irq-exit',
  'csd-unlocked': 'ack',
  'flush-done': 'wait-acks',
  invlpgb: 'invlpgb',
  'tlbsync-done': 'tlbsync',
});

/** Events at which the initiator's flush call returns, by protocol family. */
export const RETURN_EVENTS = Object.freeze(['flush-done', 'tlbsync-done']);
const ACK_EVENT = 'csd-unlocked';
const ACK_MARKER_COLOR = '#23955a';

export interface Drawn {
  lanes: string[];
  segments: TimelineSegment[];
  markers: TimelineMarker[];
  returnsAt: number | null;
  lastAt: number;
}

function laneName(cpu: number, initiator: number): string {
  return cpu === initiator ? `CPU ${cpu} (initiator)` : `CPU ${cpu}`;
}

/** Turns a trace's events into lanes of phase segments and ack markers. */
export function drawTrace(trace: Trace): Drawn {
  const events = [...trace.events].sort((a, b) => a.cycles - b.cycles);
  if (events.length === 0)
    return { lanes: [], segments: [], markers: [], returnsAt: null, lastAt: 0 };
  const initiator = events[0].cpu;
  const cpus = [...new Set(events.map((e) => e.cpu))].sort((a, b) =>
    a === initiator ? -1 : b === initiator ? 1 : a - b,
  );
  const segments: TimelineSegment[] = [];
  const markers: TimelineMarker[] = [];
  for (const cpu of cpus) {
    const lane = laneName(cpu, initiator);
    // Stable sort kept trace order among equal cycles (flush-start right after info-read).
    const own = events.filter((e) => e.cpu === cpu);
    let prev: TraceEvent | undefined;
    if (cpu !== initiator) {
      // A remote lane starts when the IPI aimed at it leaves the sender.
      prev = events.find((e) => e.event === 'ipi-sent' && e.peer === cpu);
    }
    for (const e of own) {
      if (prev && e.cycles > prev.cycles) {
        segments.push({
          phase: PHASE_ENDED_BY[e.event] ?? 'other',
          lane,
          start: prev.cycles,
          end: e.cycles,
          detail: e.peer !== undefined && e.cpu !== initiator ? `for CPU ${e.peer}` : undefined,
        });
      }
      if (e.event === ACK_EVENT) {
        markers.push({
          label: 'ack: initiator may proceed',
          lane,
          at: e.cycles,
          style: 'rectRot',
          color: ACK_MARKER_COLOR,
        });
      }
      prev = e;
    }
  }
  const returns = events.filter((e) => e.cpu === initiator && RETURN_EVENTS.includes(e.event));
  return {
    lanes: cpus.map((c) => laneName(c, initiator)),
    segments,
    markers,
    returnsAt: returns.length > 0 ? returns[returns.length - 1].cycles : null,
    lastAt: events[events.length - 1].cycles,
  };
}

/**
 * The flush call's critical path, by phase, up to its return: the initiator's own phases, and
 * while it waits for the acks, what the last target to acknowledge was doing meanwhile (the IPI
 * in flight, its IRQ entry, reading the info, its flush…). What no phase of that target covers
 * stays waiting (the ack's way back). The phases add up to the return.
 */
export function criticalPathPhases(trace: Trace): Map<string, number> {
  const drawn = drawTrace(trace);
  const initiatorLane = drawn.lanes[0];
  const until = drawn.returnsAt ?? drawn.lastAt;
  const phases = new Map<string, number>();
  const add = (phase: string, cycles: number) => {
    if (cycles > 0) phases.set(phase, (phases.get(phase) ?? 0) + cycles);
  };
  const initiator = [...trace.events].sort((a, b) => a.cycles - b.cycles)[0]?.cpu;
  // The target whose acknowledgement came last before the return.
  const lastAck = trace.events
    .filter((e) => e.event === ACK_EVENT && e.cpu !== initiator && e.cycles <= until)
    .sort((a, b) => b.cycles - a.cycles)[0];
  const targetLane = lastAck ? laneName(lastAck.cpu, initiator ?? -1) : null;
  for (const s of drawn.segments) {
    if (s.lane !== initiatorLane || s.start >= until) continue;
    const end = Math.min(s.end, until);
    if (s.phase !== 'wait-acks' || targetLane === null) {
      add(s.phase, end - s.start);
      continue;
    }
    // The wait, seen from the target it waited for.
    let covered = 0;
    for (const t of drawn.segments) {
      if (t.lane !== targetLane || t.phase === 'irq-exit') continue;
      const from = Math.max(t.start, s.start);
      const to = Math.min(t.end, end, lastAck!.cycles);
      if (to > from) {
        add(t.phase, to - from);
        covered += to - from;
      }
    }
    add('wait-acks', end - s.start - covered);
  }
  return phases;
}
