import { ZodError } from 'zod';
import { type ControlHandlers, ControlRequestError } from './control.ts';
import { EmulatorStateInMemory, type Emulators, type RestartableEmulator, restartableEmulators } from './emulators.ts';
import { type FaultInjector, parseFaultSettings } from './faults.ts';

export interface Restartables {
  /** The stack's own emulators; undefined when it shares another's (tests), which it must not stop. */
  emulators: Pick<Emulators, 'restart'> | undefined;
  /** The stack's EventBridge endpoint (event-bus-server.ts). */
  eventBus: { restart(downForMs: number): Promise<void> };
}

/** The control endpoint's fault routes (control.ts) over the stack's injector and what it can restart. */
export function faultControl(faults: FaultInjector, restartables: Restartables): Pick<ControlHandlers, 'faults' | 'restartEmulator'> {
  return {
    faults: {
      get: () => faults.describe(),
      set: (body) => {
        try {
          faults.set(parseFaultSettings(body));
        } catch (error) {
          if (error instanceof ZodError) throw new ControlRequestError(400, 'invalid fault settings', error.issues);
          throw error;
        }
        return faults.describe();
      },
      clear: () => {
        faults.clear();
        return faults.describe();
      },
    },
    restartEmulator: async (name, downForMs) => {
      const started = performance.now();
      if (name === 'events') {
        await restartables.eventBus.restart(downForMs);
      } else if (isRestartable(name)) {
        if (restartables.emulators === undefined) {
          throw new ControlRequestError(409, `${name}: the emulators are shared with other stacks, not this stack's to restart`);
        }
        try {
          await restartables.emulators.restart(name, downForMs);
        } catch (error) {
          if (error instanceof EmulatorStateInMemory) throw new ControlRequestError(409, error.message);
          throw error;
        }
      } else {
        throw new ControlRequestError(404, `no emulator ${name}: one of ${[...restartableEmulators, 'events'].join(', ')}`);
      }
      return { emulator: name, downForMs, restartedInMs: Math.round(performance.now() - started) };
    },
  };
}

function isRestartable(name: string): name is RestartableEmulator {
  return (restartableEmulators as readonly string[]).includes(name);
}
