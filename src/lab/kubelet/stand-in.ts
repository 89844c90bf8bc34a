/**
 * Programs that stand in for images the lab cannot run, for tests only.
 * An upgrade rehearsal needs the old release's Pods running until their
 * workload replaces them (v0.9.6's `metallb/speaker:v0.9.6` is a Go image
 * the lab has no runtime for): a test maps that image to a program of
 * this machine (a Go memberlist member, for one), and the kubelet runs it
 * for every container of that image, in the Pod's network, with the
 * Pod's environment, and stops it when the Pod goes, as it would the
 * image. The stand-in's argv replaces the container's command and args
 * (they are the image's program's flags, not the stand-in's); `$(NAME)`
 * in it expands from the container's environment, as in args
 * (https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/).
 */
export class StandInImages {
  private readonly programs = new Map<string, readonly string[]>();

  /** From now on, containers of exactly `image` run `argv`. */
  set(image: string, argv: readonly string[]): void {
    if (argv.length === 0) throw new Error(`stand-in for ${image}: empty argv`);
    this.programs.set(image, [...argv]);
  }

  /** The argv standing in for `image`, if a test gave one. */
  argvFor(image: string): readonly string[] | undefined {
    return this.programs.get(image);
  }
}
