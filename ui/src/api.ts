// The app's commands, typed. Every call rejects with {code, message, help}.
import { Channel, invoke } from '@tauri-apps/api/core';
import type {
  AppInfo,
  AuditView,
  Operator,
  QueueView,
  RunResult,
  SessionInfo,
  TimedEvent,
  UnitSummary,
  UnitView,
  YieldView,
} from './types';

export const api = {
  appInfo: () => invoke<AppInfo>('app_info'),
  uiReady: () => invoke<number>('ui_ready'),
  login: (operatorId: string, pin: string) => invoke<SessionInfo>('login', { operatorId, pin }),
  logout: (reason: 'user' | 'idle') => invoke<void>('logout', { reason }),
  session: () => invoke<SessionInfo | null>('session'),
  setWorkOrder: (workOrder: string | null) => invoke<string | null>('set_work_order', { workOrder }),
  runSlots: (slots: number[] | null, rework: boolean, onEvent: (e: TimedEvent) => void) => {
    const channel = new Channel<TimedEvent>();
    channel.onmessage = onEvent;
    return invoke<RunResult>('run_slots', { slots, rework, onEvent: channel });
  },
  units: (limit?: number) => invoke<UnitSummary[]>('units', { limit }),
  unit: (id: number) => invoke<UnitView>('unit', { id }),
  queueStatus: () => invoke<QueueView>('queue_status'),
  resolveConflict: (enrollmentId: number) => invoke<void>('resolve_conflict', { enrollmentId }),
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
