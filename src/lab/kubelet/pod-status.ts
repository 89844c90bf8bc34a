/**
 * The status a kubelet writes for a Pod, from what its containers are
 * doing, pure (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/):
 * each container waiting (with the reason: ContainerCreating,
 * CrashLoopBackOff, ErrImagePull, CreateContainerConfigError...), running
 * or terminated, its last termination, restart count and readiness; the
 * phase (Pending until every container has started once, then Running),
 * the addresses and the conditions, ContainersReady and Ready when every
 * container is ready.
 */
import { timestamp } from '../conditions.js';
import type { JsonObject } from '../json.js';

export type ContainerState =
  | { readonly kind: 'waiting'; readonly reason: string; readonly message?: string }
  | { readonly kind: 'running'; readonly startedAt: Date }
  | {
      readonly kind: 'terminated';
      readonly exitCode: number;
      readonly signal?: string;
      readonly startedAt: Date;
      readonly finishedAt: Date;
    };

export interface ContainerView {
  readonly name: string;
  readonly image: string;
  readonly state: ContainerState;
  readonly lastState?: ContainerState;
  readonly ready: boolean;
  readonly restartCount: number;
}

export interface PodView {
  readonly hostIP: string;
  /** Undefined until the Pod has an address. */
  readonly podIP?: string;
  readonly startTime: Date;
  readonly containers: readonly ContainerView[];
}

/** Exit codes of signals as a shell reports them (128 + the signal's number). */
const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 };

function stateJson(state: ContainerState): JsonObject {
  switch (state.kind) {
    case 'waiting':
      return {
        waiting: {
          reason: state.reason,
          ...(state.message === undefined ? {} : { message: state.message }),
        },
      };
    case 'running':
      return { running: { startedAt: timestamp(state.startedAt) } };
    case 'terminated':
      return {
        terminated: {
          exitCode: state.exitCode,
          ...(state.signal === undefined ? {} : { signal: SIGNAL_NUMBERS[state.signal] ?? 0 }),
          reason: state.exitCode === 0 ? 'Completed' : 'Error',
          startedAt: timestamp(state.startedAt),
          finishedAt: timestamp(state.finishedAt),
        },
      };
  }
}

/** A container has started once: it runs, or has run and waits to run again. */
const hasStarted = (c: ContainerView): boolean => c.state.kind !== 'waiting' || c.restartCount > 0;

export function podStatus(view: PodView, now: Date): JsonObject {
  const ready = view.containers.every((c) => c.ready);
  const condition = (type: string, status: boolean): JsonObject => ({
    type,
    status: status ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: timestamp(now),
    ...(status || (type !== 'Ready' && type !== 'ContainersReady')
      ? {}
      : {
          reason: 'ContainersNotReady',
          message: `containers with unready status: [${view.containers
            .filter((c) => !c.ready)
            .map((c) => c.name)
            .join(' ')}]`,
        }),
  });
  return {
    phase: view.containers.every(hasStarted) ? 'Running' : 'Pending',
    hostIP: view.hostIP,
    hostIPs: [{ ip: view.hostIP }],
    ...(view.podIP === undefined ? {} : { podIP: view.podIP, podIPs: [{ ip: view.podIP }] }),
    startTime: timestamp(view.startTime),
    conditions: [
      condition('PodReadyToStartContainers', true),
      condition('Initialized', true),
      condition('Ready', ready),
      condition('ContainersReady', ready),
      condition('PodScheduled', true),
    ],
    containerStatuses: view.containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready: c.ready,
      restartCount: c.restartCount,
      started: c.state.kind === 'running',
      state: stateJson(c.state),
      lastState: c.lastState === undefined ? {} : stateJson(c.lastState),
    })),
  };
}
