// Types of what the app's commands return and its channel sends. ProgressEvent mirrors the Rust
// enum station_pipeline::ProgressEvent (serde tag "kind", camelCase); the test
// src/state/events.test.ts feeds the Rust-serialised samples in src/state/events.sample.json
// (written by src-tauri's test) through the reducer, so a change on either side is caught.

export type Step =
  | 'identify'
  | 'read-ek'
  | 'attest'
  | 'keygen'
  | 'check-csr'
  | 'issue'
  | 'install-certificate'
  | 'write-settings'
  | 'save'
  | 'reset'
  | 'verify'
  | 'lock'
  | 'record'
  | 'register';

export type UnitOutcome =
  | {
      result: 'pass';
      registrationId: string;
      enrollmentQueued: boolean;
      /** Where DPS assigned the board (products with the register check). */
      registered?: { hub: string; deviceId: string };
    }
  /** `pending`: not decided — the lock went unanswered and the board must come back. */
  | { result: 'fail'; step: Step; code: string; message: string; help: string; also?: string; pending?: boolean }
  /** Nothing recorded: no board answered (`empty`), or the board is one the station already
   * provisioned, locked and matching its PASS unit (`alreadyProvisioned`). */
  | { result: 'skipped'; reason: 'empty' | 'alreadyProvisioned'; message: string; help: string; unitId?: number };

export type ProgressEvent =
  | { kind: 'runStarted'; runId: string; slots: number[] }
  | { kind: 'slotStarted'; runId: string; slot: number; port: string }
  | { kind: 'identified'; runId: string; slot: number; serial: string; model: string; fw: string }
  | { kind: 'stepStarted'; runId: string; slot: number; serial: string | null; step: Step }
  | {
      kind: 'stepFinished';
      runId: string;
      slot: number;
      serial: string | null;
      step: Step;
      ok: boolean;
      durationMs: number;
    }
  | {
      kind: 'unitFinished';
      runId: string;
      slot: number;
      serial: string | null;
      unitId: number | null;
      outcome: UnitOutcome;
      wallMs: number;
      linkBytes: number;
    }
  | { kind: 'runFinished'; runId: string; passed: number; failed: number; wallMs: number };

/** A ProgressEvent stamped by the app with the Unix time (ms) it was sent. */
export type TimedEvent = ProgressEvent & { sentAtMs: number };

export type Role = 'technician' | 'supervisor' | 'admin';

export interface CommandError {
  code: string;
  message: string;
  help: string;
}

/** A fixture slot and the product it provisions. */
export interface SlotInfo {
  index: number;
  /** What the slot runs now (a supervisor may have changed it). */
  product: string;
  /** What the configuration file says it runs. */
  configuredProduct: string;
  /** Where the slot sits on the fixture's bed (its definition's `row`/`column`), 1-based. */
  row?: number | null;
  column?: number | null;
}

export interface ProductInfo {
  id: string;
  description: string | null;
  /** 'symmetric-key' | 'x509' | 'tpm' */
  attestation: string;
  /** The board registers with DPS after PASS: one more step. */
  registerCheck: boolean;
  /** Set when the product cannot run on this station now (e.g. its signing CA could not be
   * loaded at start). */
  unavailable: CommandError | null;
}

export interface AppInfo {
  stationId: string;
  stationName: string | null;
  fixtureName: string;
  /** Slots per row of the fixture (`fixture.columns`); the screen picks one when absent. */
  fixtureColumns?: number | null;
  /** A scan starts its slot at once (`fixture.auto_start`). */
  autoStart?: boolean;
  /** Which results sound (`kiosk.sounds`). */
  sounds?: 'off' | 'fail' | 'all';
  /** The station's language (`kiosk.locale`): `en`, `zh-CN` or `es`. */
  locale?: string;
  slots: SlotInfo[];
  products: ProductInfo[];
  idleLogoutSeconds: number;
  exitRequiresSupervisorPin: boolean;
  kiosk: boolean;
  virtualFixture: boolean;
  workOrder: string | null;
  logPath: string | null;
  version: string;
}

/** A removable drive an export can go to. */
export interface DriveInfo {
  path: string;
  label: string;
}

export interface SessionInfo {
  operatorId: string;
  name: string;
  role: Role;
  /** The operator's own language (`zh-CN`), spoken from their login on; else the station's. */
  language?: string | null;
  /** A supervisor approving in place (badge and PIN at this session): their role applies
   * until they press Done or leave it idle for two minutes. */
  approvedBy?: { operatorId: string; name: string; role: Role } | null;
}

export interface RunResult {
  runId: string;
  passed: number;
  failed: number;
  wallMs: number;
}

/** What `export_batch` wrote. */
export interface ExportResult {
  dir: string;
  records: number;
  manifestSha256: string;
  /** The station's signing certificate, for `station verify-export DIR --trust CERT`. */
  certificate: string;
  /** The USB drive it was copied to and flushed, if one was chosen. */
  drive?: string | null;
}

// Store types keep the store's snake_case field names.
export interface UnitSummary {
  id: number;
  run_id: string;
  slot: number;
  serial: string | null;
  product: string | null;
  registration_id: string | null;
  attestation: string | null;
  /** `committing`: claimed before the lock, result not recorded yet (see ClaimView). */
  status: 'in_progress' | 'committing' | 'pass' | 'fail' | 'interrupted' | 'superseded';
  failed_step: string | null;
  failure_code: string | null;
  failure_message: string | null;
  work_order: string | null;
  operator: string;
  station_id: string;
  started_at: string;
  finished_at: string | null;
  rework_of: number | null;
}

export interface StepRecord {
  step: string;
  ok: boolean;
  started_at: string;
  duration_ms: number;
  detail: string | null;
}

export interface EnrollmentView {
  id: number;
  unitId: number;
  registrationId: string;
  status: 'queued' | 'uploaded' | 'conflict' | 'superseded' | 'disable_queued' | 'disabled';
  attempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface UnitView {
  summary: UnitSummary;
  identity: Record<string, unknown> | null;
  steps: StepRecord[];
  enrollment: EnrollmentView | null;
  certificates: {
    serial: string;
    subject: string;
    thumbprintSha256: string;
    notAfter: string;
    status: string;
  }[];
  ekHash: string | null;
  log: { at: string; source: string; text: string }[];
}

/** An open claim: a board the station claimed (and may have locked) whose PASS is not recorded
 * yet. Its next contact in a slot completes or fails it; a supervisor may decide instead. */
export interface ClaimView {
  unitId: number;
  serial: string;
  registrationId: string;
  product: string | null;
  slot: number;
  operator: string;
  workOrder: string | null;
  createdAt: string;
  hasCertificate: boolean;
  hasEnrollment: boolean;
  /** The supervisor who said the board will be brought back. */
  waitingBy: string | null;
  waitingAt: string | null;
}

/** The station's link to its line database (`line_status`). */
export interface LineView {
  configured: boolean;
  connected: boolean;
  offline: 'refuse' | 'local';
  waiting: number;
  conflicts: number;
}

/** The whole line as its database sees it (`line_overview`). */
export interface LineOverview {
  configured: boolean;
  /** This station's ID. */
  station: string;
  stations: { id: string; lastSeen: string; secondsAgo: number }[];
  workOrders: { id: string; quota: number; leased: number; used: number; closed: boolean }[];
  yield: { station: string; workOrder: string | null; passed: number; failed: number }[];
  conflicts: {
    id: number;
    kind: string;
    value: string;
    holderStation: string;
    holderUnit: string;
    station: string;
    unit: string;
    doneAt: string;
  }[];
  /** Boards left mid-lock: their station must complete them. */
  claims: { station: string; unit: string; serial: string | null; claimedAt: string }[];
}

export interface QueueView {
  /** Whether an uploader holds the database's lock now (`null`: could not tell). */
  uploaderRunning: boolean | null;
  stats: {
    queued: number;
    in_flight: number;
    uploaded: number;
    conflicts: number;
    oldest_queued_at: string | null;
  };
  uploadedLastHour: number;
  conflicts: EnrollmentView[];
  lastErrors: EnrollmentView[];
}

export interface YieldView {
  report: {
    pass: number;
    fail: number;
    hourly: { hour: string; pass: number; fail: number }[];
    reasons: FailureReason[];
  };
  workOrders: string[];
}

/** One bar of the failure Pareto: units that failed with `code` at `step`. */
export interface FailureReason {
  code: string;
  step: string;
  /** The code's plain description (the error registry), the bar's label. */
  title: string;
  /** The newest unit's message with this code, as an example. */
  message: string;
  count: number;
  /** Part of all failures, 0 to 1. */
  share: number;
}

export interface AuditRow {
  seq: number;
  at: string;
  station_id: string;
  actor: string;
  kind: string;
  subject: string;
  detail: unknown;
}

export interface AuditView {
  rows: AuditRow[];
  chainOk: boolean;
  chainMessage: string;
}

export interface Operator {
  id: string;
  name: string;
  role: Role;
  failedAttempts: number;
  lockedUntil: string | null;
  createdAt: string;
  lastLoginAt: string | null;
}
