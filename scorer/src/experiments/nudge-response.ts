/**
 * The body of a nudge response, as JSON text. Apart from the churn probability, the text
 * depends only on the variant, the risk band and the model version, and so does the nudge
 * unless its message contains `{{probabilityPercent}}`. Those parts are serialized once
 * and joined around the probability, where JSON.stringify of the whole body would escape
 * every key and the message again on each nudge.
 */
import { RISK_BANDS } from '../prediction.ts';
import type { RiskBand } from '../prediction.ts';
import type { ExperimentConfig, NudgeChannel, NudgeRule, Variant } from './config.ts';
import { renderMessage, usesPlaceholder } from './template.ts';

export interface NudgeResponse {
  experiment: string;
  /** The customer's variant; while paused, the control, or null without a control. */
  variant: string | null;
  nudge: Nudge | null;
  churnProbability: number;
  riskBand: RiskBand;
  modelVersion: string;
  paused: boolean;
}

export interface Nudge {
  action: string;
  channel: NudgeChannel;
  message: string;
}

/** Prediction and assignment that a nudge response reports for one customer. */
export interface NudgeOutcome {
  variant: Variant | undefined;
  riskBand: RiskBand;
  churnProbability: number;
  modelVersion: string;
}

/** JSON of a variant's nudge in one band: fixed text, or a rule whose message needs the probability. */
type NudgeJson = string | NudgeRule;

/** Text of one variant: the body up to its nudge, and its nudge by band. */
interface VariantText {
  head: string;
  nudges: Readonly<Record<RiskBand, NudgeJson>>;
}

/** Writes the JSON text of the nudge responses of one experiment. */
export class NudgeResponseWriter {
  readonly #experiment: ExperimentConfig;
  readonly #textByVariant = new Map<Variant | undefined, VariantText>();
  /** The body after the probability, by band, for #tailsModelVersion. */
  #tails: Readonly<Record<RiskBand, string>> | undefined;
  #tailsModelVersion: string | undefined;

  constructor(experiment: ExperimentConfig) {
    this.#experiment = experiment;
    for (const variant of [...experiment.variants, undefined]) {
      this.#textByVariant.set(variant, this.#variantText(variant));
    }
  }

  /** Returns the JSON text of the NudgeResponse for `outcome`. */
  write(outcome: NudgeOutcome): string {
    const { variant, riskBand, churnProbability } = outcome;
    const text = this.#textByVariant.get(variant)!;
    const nudge = text.nudges[riskBand];
    const nudgeJson = typeof nudge === 'string' ? nudge : this.#renderedNudgeJson(nudge, variant!, riskBand, churnProbability);
    return `${text.head}${nudgeJson},"churnProbability":${numberJson(churnProbability)}${this.#tailsOf(outcome.modelVersion)[riskBand]}`;
  }

  #variantText(variant: Variant | undefined): VariantText {
    const head = `{"experiment":${JSON.stringify(this.#experiment.name)},"variant":${JSON.stringify(variant?.name ?? null)},"nudge":`;
    const nudges = Object.fromEntries(RISK_BANDS.map((band) => [band, this.#fixedNudgeJson(variant, band)])) as Record<RiskBand, NudgeJson>;
    return { head, nudges };
  }

  /** Returns the nudge's JSON, or its rule when the message contains the probability. */
  #fixedNudgeJson(variant: Variant | undefined, band: RiskBand): NudgeJson {
    const rule = variant?.nudges[band];
    if (variant === undefined || rule === undefined) {
      return 'null';
    }
    return usesPlaceholder(rule.message, 'probabilityPercent') ? rule : JSON.stringify(this.#nudge(rule, variant, band, ''));
  }

  #renderedNudgeJson(rule: NudgeRule, variant: Variant, band: RiskBand, churnProbability: number): string {
    return JSON.stringify(this.#nudge(rule, variant, band, String(Math.round(churnProbability * 100))));
  }

  #nudge(rule: NudgeRule, variant: Variant, band: RiskBand, probabilityPercent: string): Nudge {
    const message = renderMessage(rule.message, { experiment: this.#experiment.name, variant: variant.name, band, probabilityPercent });
    return { action: rule.action, channel: rule.channel, message };
  }

  #tailsOf(modelVersion: string): Readonly<Record<RiskBand, string>> {
    if (this.#tails === undefined || modelVersion !== this.#tailsModelVersion) {
      const rest = `,"modelVersion":${JSON.stringify(modelVersion)},"paused":${this.#experiment.paused}}`;
      this.#tails = Object.fromEntries(RISK_BANDS.map((band) => [band, `,"riskBand":${JSON.stringify(band)}${rest}`])) as Record<RiskBand, string>;
      this.#tailsModelVersion = modelVersion;
    }
    return this.#tails;
  }
}

/** Returns `value` as JSON.stringify writes it, so that a NaN from a model becomes null, not invalid JSON. */
function numberJson(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}
