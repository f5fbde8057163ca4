// The app's commands, typed. Every call rejects with {code, message, help}.
import { Channel, invoke } from '@tauri-apps/api/core';
import type {
  AppInfo,
  AuditView,
  ClaimView,
  DriveInfo,
  ExportResult,
  LineOverview,
  LineView,
  Operator,
  QueueView,
  RunResult,
  SessionInfo,
  SlotInfo,
  TimedEvent,
  UnitSummary,
  UnitView,
  YieldView,
} from './types';

export const api = {
  appInfo: () => invoke<AppInfo>('app_info'),
  uiReady: () => invoke<number>('ui_ready'),
  /** The start-up screen's Retry: opens the station again; rejects with the cause if it still cannot. */
  retryStart: () => invoke<void>('retry_start'),
  login: (operatorId: string, pin: string) => invoke<SessionInfo>('login', { operatorId, pin }),
  logout: (reason: 'user' | 'idle') => invoke<void>('logout', { reason }),
  /** A supervisor approves in place; the technician stays logged in. */
  approve: (operatorId: string, pin: string) => invoke<SessionInfo>('approve', { operatorId, pin }),
  endApproval: () => invoke<SessionInfo>('end_approval'),
  session: () => invoke<SessionInfo | null>('session'),
  /** Reports operator input (keys, pointer) to the app, whose idle clock counts only commands
   * (the polled `queue_status` does not count). Rejects with `station::auth::session_expired`
   * or `station::auth::not_logged_in` when the session is already gone. */
  touchSession: () => invoke<SessionInfo>('touch_session'),
  setWorkOrder: (workOrder: string | null) => invoke<string | null>('set_work_order', { workOrder }),
  /** `expectedSerials`: slot number (as a string key) → the serial scanned into it; the app
   * fails a board that reports another serial at identify. */
  runSlots: (
    slots: number[] | null,
    rework: boolean,
    expectedSerials: Record<string, string> | null,
    onEvent: (e: TimedEvent) => void,
  ) => {
    // The app sends what gathered since its last message as one array (src-tauri/src/events.rs).
    const channel = new Channel<TimedEvent[]>();
    channel.onmessage = (batch) => batch.forEach(onEvent);
    return invoke<RunResult>('run_slots', { slots, rework, expectedSerials, onEvent: channel });
  },
  /** Supervisor: the product a slot runs; `null` returns it to its configured product. */
  setSlotProduct: (slot: number, product: string | null) => invoke<SlotInfo[]>('set_slot_product', { slot, product }),
  units: (limit?: number, search?: string, status?: string, refresh?: boolean) =>
    invoke<UnitSummary[]>('units', { limit, search: search || null, status: status || null, refresh: refresh ?? false }),
  unit: (id: number) => invoke<UnitView>('unit', { id }),
  queueStatus: () => invoke<QueueView>('queue_status'),
  /** Polled by the header; replays what the station owes the line first. */
  lineStatus: () => invoke<LineView>('line_status'),
  /** The whole line: every station's yield per work order, quotas, conflicts, boards left mid-lock. */
  lineOverview: () => invoke<LineOverview>('line_overview'),
  /** Supervisor: DPS holds the right enrollment; mark the conflict uploaded. */
  resolveConflict: (enrollmentId: number) => invoke<void>('resolve_conflict', { enrollmentId }),
  /** Supervisor: the stale enrollment was removed from DPS; queue the upload again. */
  requeueEnrollment: (enrollmentId: number) => invoke<void>('requeue_enrollment', { enrollmentId }),
  /** Claimed boards not seen again since (oldest first); polled, not operator activity. */
  openClaims: () => invoke<ClaimView[]>('open_claims'),
  /** Supervisor: the board is gone; void the claim and its certificate, queue nothing. */
  voidClaim: (unitId: number, reason: string) => invoke<void>('void_claim', { unitId, reason }),
  /** Supervisor: the board will be brought back; keep the claim open. */
  keepClaimWaiting: (unitId: number) => invoke<void>('keep_claim_waiting', { unitId }),
  /** Supervisor: a signed batch for the device operator (`workOrder` null: every work order). */
  exportBatch: (workOrder: string | null, queuedOnly: boolean, drive: string | null = null) =>
    invoke<ExportResult>('export_batch', { workOrder, queuedOnly, drive }),
  /** The USB drives mounted now; polled, so not operator activity. */
  removableDrives: () => invoke<DriveInfo[]>('removable_drives'),
  yieldReport: (workOrder: string | null, since: string | null, until: string | null) =>
    invoke<YieldView>('yield_report', { workOrder, since, until }),
  auditLog: (limit?: number) => invoke<AuditView>('audit_log', { limit }),
  configText: () => invoke<string>('config_text'),
  operators: () => invoke<Operator[]>('operators'),
  addOperator: (operatorId: string, name: string, role: string, pin: string) =>
    invoke<Operator>('add_operator', { operatorId, name, role, pin }),
  setOperatorPin: (operatorId: string, pin: string) => invoke<void>('set_operator_pin', { operatorId, pin }),
  unlockOperator: (operatorId: string) => invoke<void>('unlock_operator', { operatorId }),
  exitApp: (operatorId: string | null, pin: string | null) => invoke<void>('exit_app', { operatorId, pin }),
};
