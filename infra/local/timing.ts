/** Lets long waits end early when the local stack stops or reloads. */
export class StopSignal {
  private readonly controller = new AbortController();

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  trigger(): void {
    this.controller.abort();
  }
}

/** Waits `ms`, or less if the signal fires first. */
export function sleep(ms: number, stop?: StopSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stop?.stopped === true) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      stop?.signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop?.signal.addEventListener('abort', done, { once: true });
  });
}

/** A logical id without the 8-character hash CDK appends: `DataCasesE4E7C0E9` → `DataCases`. */
export function shortId(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '') || logicalId;
}
