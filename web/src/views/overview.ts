/**
 * Overview of one run (the latest unless `?run=`): how each protocol's flush latency grows with
 * the number of CPUs to shoot down, and how much faster the newer protocols are than sync.
 */
import { type Case, getProfiles } from '../api.js';
import {
  caseAt,
  chooseNumber,
  chooseString,
  distinctCpus,
  distinctPages,
  distinctProtocols,
  distinctWorkloads,
  fallbackNotes,
} from '../case-slices.js';
import { loadRun, note, paramSelect, runHeader, runPicker, toolbar } from '../controls.js';
import { chartBox, h, panel, swatch } from '../dom.js';
import { COOPERATIVE_NOTE, engineOf } from '../engine.js';
import { formatCycles, formatNs, formatRme } from '../format.js';
import { caseVerdict, violationsOf } from '../oracle-verdict.js';
import { protocolColor } from '../palette.js';
import { baselineProtocol, verdictProtocols } from '../protocols.js';
import { hrefOf, recordParams } from '../route.js';
import type { View, ViewContext } from '../view-context.js';
import { latencyChart, speedupChart } from './overview-chart.js';
import { hostCases, hostPanel } from './overview-host.js';

interface LatencyMetric {
  id: string;
  label: string;
  axis: string;
  /** Wall-clock depends on the machine's cores; modeled cycles do not. */
  wallClock: boolean;
  /** A case's figure; `ghz` is the run's profile's clock (for modeled ns). */
  value: (c: Case, ghz: number) => number | null;
  format: (v: number) => string;
  /** In ns of real time, so this host's kernel can be drawn beside it. */
  hostComparable?: boolean;
}

const LATENCY_METRICS: readonly LatencyMetric[] = Object.freeze([
  {
    id: 'wall-p50',
    label: 'wall p50',
    axis: 'wall-clock per flush, p50',
    wallClock: true,
    value: (c: Case) => c.wallNs?.p50 ?? null,
    format: formatNs,
  },
  {
    id: 'wall-p99',
    label: 'wall p99',
    axis: 'wall-clock per flush, p99',
    wallClock: true,
    value: (c: Case) => c.wallNs?.p99 ?? null,
    format: formatNs,
  },
  {
    id: 'modeled',
    label: 'modeled cycles',
    axis: 'modeled cycles per flush, p50',
    wallClock: false,
    value: (c: Case) => c.modeledCycles?.p50 ?? null,
    format: formatCycles,
  },
  {
    id: 'modeled-call-ns',
    label: "modeled madvise call, ns (beside this host's kernel)",
    axis: 'madvise call, ns',
    wallClock: false,
    value: (c: Case, ghz: number) => {
      const call = c.modeledCycles?.callMean;
      return typeof call === 'number' ? call / ghz : null;
    },
    format: formatNs,
    hostComparable: true,
  },
]);
/** Modeled cycles: the metric that scales and that a shared, oversubscribed machine cannot bend. */
const DEFAULT_METRIC = 'modeled';

const DEFAULT_WORKLOAD = 'madvise';

export const overviewView: View = {
  name: 'overview',
  title: 'Overview',
  async render(ctx: ViewContext) {
    const loaded = await loadRun(ctx);
    if (!loaded) return;
    const { runs, run } = loaded;
    const profile = (await ctx.guard(getProfiles())).find((p) => p.name === run.profile);
    const ghz = profile?.ghz ?? Number.NaN;
    // This host's own kernel is not a simulated protocol: it overlays, it does not slice.
    const host = hostCases(run.cases);
    const simulated = run.cases.filter((c) => c.kernel == null);
    const metric =
      LATENCY_METRICS.find((m) => m.id === ctx.params.get('metric')) ??
      LATENCY_METRICS.find((m) => m.id === DEFAULT_METRIC)!;
    const log = ctx.params.get('scale') === 'log';
    const workload = chooseString(
      ctx.params,
      'workload',
      distinctWorkloads(simulated),
      DEFAULT_WORKLOAD,
    );
    const ofWorkload = simulated.filter((c) => c.workload === workload?.value);
    const pages = chooseNumber(ctx.params, 'pages', distinctPages(ofWorkload));
    const hostWorkload =
      host.length > 0
        ? chooseString(ctx.params, 'host', [...distinctWorkloads(host), 'off'], 'touch')
        : null;

    const controls = toolbar(
      runPicker(runs, run),
      paramSelect(
        'overview-metric',
        'Metric',
        'metric',
        metric.id,
        LATENCY_METRICS.map((m) => ({ value: m.id, label: m.label })),
      ),
      paramSelect('overview-scale', 'Scale', 'scale', log ? 'log' : 'linear', ['linear', 'log']),
      pages &&
        paramSelect('overview-pages', 'Pages', 'pages', pages.value, distinctPages(ofWorkload)),
      workload &&
        paramSelect(
          'overview-workload',
          'Workload',
          'workload',
          workload.value,
          distinctWorkloads(simulated),
        ),
      hostWorkload &&
        metric.hostComparable === true &&
        paramSelect('overview-host', "This host's kernel", 'host', hostWorkload.value, [
          ...distinctWorkloads(host),
          'off',
        ]),
    );
    ctx.root.replaceChildren(runHeader(run), controls);
    for (const text of fallbackNotes({ workload, pages })) ctx.root.append(note(text, 'note warn'));
    if (!workload || !pages) {
      // A run of this host's kernel only (suite kernel) has no simulated protocols to chart.
      ctx.root.append(
        host.length > 0 ? hostPanel(host) : note('This run has no cases.', 'note warn'),
      );
      return;
    }

    const slice = ofWorkload.filter((c) => c.pages === pages.value);
    const cpus = distinctCpus(slice);
    const protocols = distinctProtocols(slice);
    const cpuLabels = cpus.map(String);
    const valueAt = (protocol: string, n: number) => {
      const c = caseAt(slice, { protocol, workload: workload.value, cpus: n, pages: pages.value });
      return c && c.status !== 'errored' ? metric.value(c, ghz) : null;
    };
    // This host's kernel at the same pages, when the metric is in real ns and one is chosen.
    const hostShown =
      metric.hostComparable && hostWorkload && hostWorkload.value !== 'off'
        ? host.filter((c) => c.workload === hostWorkload.value && c.pages === pages.value)
        : [];
    const hostLabel = hostWorkload ? `this host's kernel (${hostWorkload.value}, measured)` : '';
    // As each case's verdict says: its wall-clock is the simulator's at this CPU count.
    const oversubscribed = cpus.map(
      (n) => metric.wallClock && slice.some((c) => c.cpus === n && c.verdict.oversubscribed),
    );
    const cooperativeAt = cpus.map((n) =>
      slice.some((c) => c.cpus === n && engineOf(c) === 'cooperative'),
    );
    // Greyed for the engine alone: within the cores, but the CPUs took turns on a worker thread.
    const coopOnly = cpus.filter(
      (_, i) => metric.wallClock && cooperativeAt[i] && !oversubscribed[i],
    );
    const hidden = (ctx.params.get('hide') ?? '').split(',').filter((p) => p !== '');
    // The run's own noise check (bench/noise.ts): a noisy run's wall speedups are greyed too.
    const noise = (run.config as { noise?: { reason?: string | null } }).noise;
    const noisy = metric.wallClock && slice.some((c) => c.verdict.noisy);

    const latency = chartBox('chart-overview-latency', 'tall');
    const speedup = chartBox('chart-overview-speedup', 'tall');
    // Speedups over the baseline: the protocols a verdict weighs (the protocol table's roles).
    const speedupProtocols = protocols.filter((p) => verdictProtocols().includes(p));
    const hasBaseline = protocols.includes(baselineProtocol());
    // The speedup the verdicts store for this metric's kind: of modeled or of wall-clock p50s.
    const speedupOf = metric.wallClock ? 'wall p50' : 'modeled cycles p50';
    ctx.root.append(
      verdict(slice, cpus, {
        profile: run.profile,
        workload: workload.value,
        pages: pages.value,
      }),
    );
    if (metric.hostComparable && hostWorkload && hostWorkload.value !== 'off') {
      ctx.root.append(
        note(
          hostShown.length === 0
            ? `This host's kernel was not measured at ${pages.value} page${pages.value === 1 ? '' : 's'} with ${hostWorkload.value} in this run.`
            : `Modeled madvise calls at ${ghz} GHz (profile ${run.profile}) beside this host's kernel, measured: the call alone (syscall, zap, flush, page free), no refault.${hostShown[0].kernel.context.hypervisor ? " This host is a virtual machine: its figures are a VM's, not the profile's hardware." : ''}`,
          hostShown.length === 0 ? 'note warn' : 'note',
        ),
      );
    }
    ctx.root.append(
      h(
        'div',
        { class: 'grid-2' },
        panel(
          `Latency against CPUs — ${workload.value}, ${pages.value} page${pages.value === 1 ? '' : 's'}`,
          latency.box,
          oversubscribed.some(Boolean)
            ? note(
                `Hollow triangles: more simulated CPUs than the ${run.host.cores} cores of the measuring machine (${run.host.cpuModel}). Their wall-clock includes CPU workers waiting for a core; modeled cycles are unaffected.`,
              )
            : null,
        ),
        panel(
          `Speedup over ${baselineProtocol()} — ${speedupOf}`,
          speedup.box,
          note(
            hasBaseline
              ? `${baselineProtocol()}'s ${speedupOf} divided by each protocol's, as each case's verdict stores it: bars grow up from 1× when faster than ${baselineProtocol()}, down when slower. Click a protocol in the legend to hide it (kept in the link).${
                  noisy
                    ? ` Grey everywhere: ${noise?.reason ?? 'the run was noisy'}.`
                    : `${
                        oversubscribed.some(Boolean)
                          ? ` Grey at ${cpus.filter((_, i) => oversubscribed[i]).join(', ')} CPUs: more simulated CPUs than the ${run.host.cores} cores measured on, so that wall-clock speedup is the simulator's, not hardware-like.`
                          : ''
                      }${
                        coopOnly.length > 0
                          ? ` Grey at ${coopOnly.join(', ')} CPUs: ${COOPERATIVE_NOTE}.`
                          : ''
                      }`
                }`
              : `This slice has no ${baselineProtocol()} cases to compare against.`,
          ),
        ),
      ),
      panel(
        `Cases — ${metric.label}`,
        casesTable(slice, protocols, cpus, metric, run.id, oversubscribed, ghz),
      ),
      host.length > 0 ? hostPanel(host) : '',
    );

    ctx.track(
      latencyChart(latency.canvas, {
        cpuLabels,
        series: protocols.map((p) => ({ protocol: p, values: cpus.map((n) => valueAt(p, n)) })),
        oversubscribed,
        cores: run.host.cores,
        yTitle: metric.axis,
        log,
        format: metric.format,
        host:
          hostShown.length > 0
            ? {
                label: hostLabel,
                values: cpus.map((n) => hostShown.find((c) => c.cpus === n)?.wallNs.p50 ?? null),
              }
            : null,
      }),
    );
    ctx.track(
      speedupChart(speedup.canvas, {
        cpuLabels,
        // The speedups each case's verdict stores: of modeled p50s for a modeled metric, of wall
        // p50s for a wall-clock one (the chart divides nothing itself).
        metricName: speedupOf,
        log,
        hidden,
        onToggle: (h) => recordParams({ hide: h.join(',') }),
        greyReasons: cpus.map((_, i) =>
          noisy
            ? (noise?.reason ?? 'the run was noisy')
            : oversubscribed[i]
              ? `more CPUs than the ${run.host.cores} cores measured on: the simulator's wall-clock, not hardware-like`
              : metric.wallClock && cooperativeAt[i]
                ? COOPERATIVE_NOTE
                : null,
        ),
        series: (hasBaseline ? speedupProtocols : []).map((p) => ({
          protocol: p,
          values: cpus.map((n) => {
            const v = slice.find((c) => c.protocol === p && c.cpus === n)?.verdict;
            return (metric.wallClock ? v?.wallSpeedup : v?.speedup) ?? null;
          }),
        })),
      }),
    );
  },
};

/** Protocols down, CPU counts across: the chart's numbers, each a link to that case's detail. */
function casesTable(
  slice: readonly Case[],
  protocols: readonly string[],
  cpus: readonly number[],
  metric: LatencyMetric,
  runId: number,
  /** Per CPU count: the verdicts' oversubscribed wall-clock, for a wall-clock metric. */
  oversubscribed: readonly boolean[],
  ghz: number,
): HTMLTableElement {
  const head = h(
    'tr',
    {},
    h('th', {}, 'protocol'),
    ...cpus.map((n, i) =>
      h(
        'th',
        { class: 'num', 'data-cpus': String(n) },
        `${n} CPU${n === 1 ? '' : 's'}${oversubscribed[i] ? ' △' : ''}`,
        // Compact: the engine is a property of how these CPUs were simulated, said in the title.
        slice.some((c) => c.cpus === n && engineOf(c) === 'cooperative')
          ? h('span', { class: 'tag engine-cooperative', title: COOPERATIVE_NOTE }, 'coop')
          : null,
      ),
    ),
    h('th', {}, 'status'),
  );
  const rows = protocols.map((p) => {
    const cells = cpus.map((n) => {
      const c = slice.find((x) => x.protocol === p && x.cpus === n);
      if (!c) return h('td', { class: 'num muted' }, '–');
      if (c.status === 'errored') {
        return h('td', { class: 'num bad', title: c.error?.message ?? 'errored' }, 'errored');
      }
      const v = metric.value(c, ghz);
      const link = h(
        'a',
        { href: hrefOf('case', { run: runId, cpus: n, pages: c.pages, workload: c.workload }) },
        v === null ? '–' : metric.format(v),
      );
      const rme =
        metric.wallClock && c.wallNs?.rme != null
          ? h('span', { class: 'rme' }, ` ${formatRme(c.wallNs.rme)}`)
          : null;
      return h('td', { class: 'num' }, link, rme);
    });
    const ofProtocol = slice.filter((x) => x.protocol === p);
    const errored = ofProtocol.filter((x) => x.status === 'errored').length;
    const verdicts = ofProtocol.map(caseVerdict);
    const violations = ofProtocol.reduce((s, x) => s + violationsOf(x.oracle), 0);
    let status: HTMLElement;
    if (verdicts.includes('not-caught'))
      status = h('span', { class: 'bad' }, 'unsafe control: NOT caught here');
    else if (errored > 0) status = h('span', { class: 'bad' }, `${errored} errored`);
    else if (verdicts.includes('caught'))
      status = h('span', { class: 'good' }, 'unsafe control: caught');
    else if (violations > 0) status = h('span', { class: 'bad' }, `${violations} violations`);
    else status = h('span', { class: 'muted' }, 'ok');
    return h('tr', {}, h('td', {}, swatch(protocolColor(p)), p), ...cells, h('td', {}, status));
  });
  return h(
    'table',
    { class: 'data', id: 'overview-cases' },
    h('thead', {}, head),
    h('tbody', {}, ...rows),
  );
}

/**
 * The answer first: at each CPU count, how much the newer protocols take off sync's modeled
 * cycles (p50), whatever metric the charts show — modeled cycles do not depend on the machine the
 * run was measured on.
 */
function verdict(
  slice: readonly Case[],
  cpus: readonly number[],
  at: { profile: string; workload: string; pages: number },
): HTMLElement {
  // The speedups the bench stored with each case (its verdict), read, not priced again.
  const speedup = (protocol: string, n: number) =>
    slice.find((x) => x.protocol === protocol && x.cpus === n)?.verdict.speedup ?? null;
  const baseline = slice.find((c) => c.verdict.baseline !== null)?.verdict.baseline;
  const lines = cpus.flatMap((n) => {
    const parts = verdictProtocols().flatMap((p) => {
      const s = speedup(p, n);
      if (s === null) return [];
      const pct = (1 / s - 1) * 100;
      return [
        h(
          'span',
          {
            class: `verdict-part ${pct < 0 ? 'good' : pct > 0 ? 'bad' : ''}`,
            'data-protocol': p,
            'data-pct': String(pct),
          },
          `${p} ${pct < 0 ? '−' : '+'}${Math.abs(pct).toFixed(1)} %`,
        ),
      ];
    });
    if (parts.length === 0) return [];
    const [lead, ...rest] = parts;
    return [
      h(
        'li',
        { 'data-cpus': String(n) },
        h('strong', {}, `${n} CPU${n === 1 ? '' : 's'}: `),
        lead,
        ` vs ${baseline ?? baselineProtocol()}`,
        ...rest.flatMap((part) => [' · ', part]),
      ),
    ];
  });
  return h(
    'section',
    { class: 'panel verdict', id: 'overview-verdict' },
    h(
      'h2',
      {},
      `Against ${baselineProtocol()}, modeled cycles (p50) — profile ${at.profile}, ${at.workload}, ${at.pages} page${at.pages === 1 ? '' : 's'}`,
    ),
    lines.length > 0
      ? h('ul', { class: 'verdict-lines' }, ...lines)
      : h(
          'p',
          { class: 'muted' },
          `This slice has no ${baselineProtocol()} case to compare against.`,
        ),
  );
}
