/**
 * Drawing at most once per animation frame, and never while the panel is hidden: tasks scheduled while
 * hidden wait (their data is kept) and run on the first frame after the panel shows again.
 */
export class FrameScheduler {
  private readonly pending = new Set<() => void>();
  private frame = 0;

  constructor() {
    document.addEventListener('visibilitychange', () => this.kick());
  }

  get hidden(): boolean {
    return document.visibilityState === 'hidden';
  }

  /** Runs `task` on the next visible frame (once, however often it is scheduled before then). */
  schedule(task: () => void): void {
    this.pending.add(task);
    this.kick();
  }

  private kick(): void {
    if (this.frame !== 0 || this.pending.size === 0 || this.hidden) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (this.hidden) return; // kept in pending until visible again
      const tasks = [...this.pending];
      this.pending.clear();
      for (const task of tasks) task();
    });
  }
}

/** A view that draws only while it is the shown tab, and catches up when it becomes shown. */
export abstract class LazyView {
  private shown = false;
  /** something changed while the view was not shown */
  private dirty = true;
  private readonly drawTask = () => {
    if (this.shown) this.draw();
    else this.dirty = true;
  };

  constructor(protected readonly frames: FrameScheduler) {}

  setShown(shown: boolean): void {
    this.shown = shown;
    if (shown && this.dirty) {
      this.dirty = false;
      this.frames.schedule(this.drawTask);
    }
  }

  get isShown(): boolean {
    return this.shown;
  }

  /** Asks for a draw on the next frame if the view is shown, else when it is next shown. */
  protected invalidate(): void {
    if (this.shown) this.frames.schedule(this.drawTask);
    else this.dirty = true;
  }

  protected abstract draw(): void;
}
