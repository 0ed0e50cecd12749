/**
 * Keras's automatic layer names, reproduced: the class name in snake case (`MaxPooling2D` →
 * `max_pooling2d`, `ReLU` → `re_lu`), made unique with `_1`, `_2`… in creation order, as
 * `keras.backend.unique_object_name` does. Views show these names so they match `model.summary()`.
 */

export function kerasSnakeCase(className: string): string {
  const intermediate = className.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2');
  const snake = intermediate.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return snake.startsWith('_') ? `private${snake}` : snake;
}

/** Hands out names the way one Keras session would. */
export class KerasNamer {
  private readonly counts = new Map<string, number>();

  /** The auto name for a new layer of `className`. */
  next(className: string): string {
    return this.claim(kerasSnakeCase(className));
  }

  /** Registers a prefix use and returns the unique name (`conv2d`, then `conv2d_1`, …). */
  claim(prefix: string): string {
    const n = this.counts.get(prefix) ?? 0;
    this.counts.set(prefix, n + 1);
    return n === 0 ? prefix : `${prefix}_${n}`;
  }
}
