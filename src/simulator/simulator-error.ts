/** Why a programmatic or control-API action was refused; the control API maps the kind to 404 / 409 / 400. */
export type SimulatorErrorKind = 'not_found' | 'conflict' | 'invalid';

/** Misuse of the simulator itself (not a WeChat API error): unknown account, following twice, bad input. */
export class SimulatorError extends Error {
  override readonly name = 'SimulatorError';

  constructor(
    readonly kind: SimulatorErrorKind,
    message: string,
  ) {
    super(message);
  }
}
