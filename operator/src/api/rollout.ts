import Type from 'typebox';
import type { Static } from 'typebox';

import { StringEnum } from './schema.ts';
import { uriRules } from './uri-rules.ts';

/** spec.rollout of a ChurnModel: how a new version replaces the current one. */

export const RolloutStep = Type.Object(
  {
    weight: Type.Integer({
      description: 'Percent of requests sent to the canary during this step.',
      minimum: 1,
      maximum: 99,
    }),
    pauseSeconds: Type.Integer({
      description: 'How long the step lasts before the analysis decides whether to advance, in seconds.',
      minimum: 0,
      maximum: 86400,
    }),
  },
  { description: 'One canary step.' },
);

export const AnalysisSpec = Type.Object(
  {
    prometheusUrl: Type.String({
      description:
        'Base URL of the Prometheus HTTP API that the operator queries for the canary metrics, such as http://prometheus.monitoring.svc:9090.',
      minLength: 1,
      maxLength: 2048,
      'x-kubernetes-validations': uriRules('spec.rollout.analysis.prometheusUrl', {
        schemes: ['http', 'https'],
        example: 'http://prometheus.monitoring.svc:9090',
        // The operator queries Prometheus itself; a Prometheus on its own host is a
        // valid setup during development.
        allowLoopback: true,
      }),
    }),
    maxErrorRate: Type.Number({
      description: 'Highest share of 5xx responses of the canary, from 0 to 1, before it is rolled back.',
      minimum: 0,
      maximum: 1,
      default: 0.01,
    }),
    maxP99LatencySeconds: Type.Number({
      description: 'Highest p99 request latency of the canary, in seconds, before it is rolled back.',
      exclusiveMinimum: 0,
      maximum: 60,
      default: 0.5,
    }),
    intervalSeconds: Type.Integer({
      description: 'Time between two analysis queries, in seconds.',
      minimum: 1,
      maximum: 3600,
      default: 30,
    }),
    inconclusiveLimit: Type.Integer({
      description: 'Analyses without data allowed at the end of a step before the canary is rolled back.',
      minimum: 0,
      maximum: 100,
      default: 3,
    }),
  },
  { description: 'Prometheus analysis that decides at the end of each step whether the canary advances or is rolled back.' },
);

export const RolloutSpec = Type.Object(
  {
    strategy: StringEnum(['Canary', 'Rolling'], {
      description:
        'Canary runs the new version beside the current one and shifts traffic to it step by step. Rolling updates the scorer Deployment in place.',
      default: 'Canary',
    }),
    steps: Type.Array(RolloutStep, {
      description: 'Canary steps, with weights strictly increasing. After the last step the canary is promoted.',
      maxItems: 10,
      'x-kubernetes-list-type': 'atomic',
      default: [
        { weight: 10, pauseSeconds: 60 },
        { weight: 50, pauseSeconds: 60 },
      ],
      'x-kubernetes-validations': [
        {
          rule: 'self.all(i, step, i == 0 || self[i - 1].weight < step.weight)',
          message: 'spec.rollout.steps weights must increase strictly from one step to the next, for example 10, 50',
        },
      ],
    }),
    paused: Type.Boolean({
      description: 'Holds the canary at its current step until set back to false.',
      default: false,
    }),
    analysis: Type.Optional(AnalysisSpec),
    progressDeadlineSeconds: Type.Integer({
      description: 'Time a new version may take to become ready before it is rolled back, in seconds.',
      minimum: 1,
      maximum: 86400,
      default: 600,
    }),
  },
  {
    description: 'How a new version replaces the current one.',
    default: {},
    'x-kubernetes-validations': [
      {
        rule: "!has(self.strategy) || self.strategy != 'Canary' || !has(self.steps) || self.steps.size() > 0",
        message: 'spec.rollout.steps must list at least one step when spec.rollout.strategy is Canary; add a step or set strategy: Rolling',
        fieldPath: '.steps',
      },
    ],
  },
);

export type RolloutStep = Static<typeof RolloutStep>;
export type AnalysisSpec = Static<typeof AnalysisSpec>;
export type RolloutSpec = Static<typeof RolloutSpec>;
