/**
 * Runs `task` every `everyMs` (the first time at once when `immediately`),
 * never two at once, so a slow round delays the next instead of piling up.
 * stop() waits for the round in hand.
 */
export function repeatWithoutOverlap(
  everyMs: number,
  task: () => Promise<void>,
  onError: (error: Error) => void,
  options: { immediately?: boolean } = {},
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = task()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, everyMs);
      });
  };
  if (options.immediately) tick();
  else timer = setTimeout(tick, everyMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
