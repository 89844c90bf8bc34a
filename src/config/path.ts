/**
 * Key paths as users read them: `address-pools[1].addresses[0]`,
 * `bgp-communities.no-export`, `peers[0].node-selectors[0].match-labels["a.b/c"]`.
 */
export type PathSegment = string | number;
export type Path = readonly PathSegment[];

/** Reports one problem at a key path. */
export type Report = (path: Path, message: string) => void;

/** Keys made of these characters print bare; anything else is quoted. */
const BARE_KEY = /^[A-Za-z0-9_-]+$/;

export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
    } else if (BARE_KEY.test(segment)) {
      out += out === '' ? segment : `.${segment}`;
    } else {
      out += `[${JSON.stringify(segment)}]`;
    }
  }
  return out;
}
