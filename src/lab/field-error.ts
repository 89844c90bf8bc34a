/**
 * Field errors worded as apimachinery's field.Error prints them
 * (k8s.io/apimachinery/pkg/util/validation/field/errors.go): `path: Invalid
 * value: <value>: detail`, `path: Forbidden: detail`, `path: Required value`.
 * Values print as Go's fmt does: strings quoted, numbers and booleans bare, a
 * nil pointer as `null`, slices in Go syntax (`[]int64{1}`).
 */

/** A value as Go prints it in an error: JSON scalars, or Go syntax for slices. */
export type GoValue = string | number | boolean | null | { readonly goSyntax: string };

function printed(value: GoValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return value.goSyntax;
  return String(value);
}

export function invalidValue(path: string, value: GoValue, detail: string): string {
  return `${path}: ${invalidBody(value, detail)}`;
}

/** The same without the path: the message of a Status cause, whose `field` holds the path. */
export function invalidBody(value: GoValue, detail: string): string {
  return `Invalid value: ${printed(value)}${detail === '' ? '' : `: ${detail}`}`;
}

export function forbiddenField(path: string, detail: string): string {
  return `${path}: Forbidden: ${detail}`;
}

export function requiredField(path: string, detail: string): string {
  return `${path}: Required value${detail === '' ? '' : `: ${detail}`}`;
}

/**
 * A slice as `%#v` prints it: `[]int64{1, 2}`, and `[]int64(nil)` for an
 * absent one. `type` is the Go element type (`int64`, `core.Capability`).
 */
export function goSlice(type: string, items: readonly (string | number)[] | undefined): GoValue {
  if (items === undefined) return { goSyntax: `[]${type}(nil)` };
  const shown = items.map((item) => (typeof item === 'string' ? JSON.stringify(item) : item));
  return { goSyntax: `[]${type}{${shown.join(', ')}}` };
}
