//! The concurrent run over a station's slots: one thread per slot, each provisioning one unit.

use std::time::{Duration, Instant};

use station_store::{NewRun, RunId};
use station_transport::discovery::{ResolveError, SlotPort, resolve_slot_ports};

use crate::error::PipelineError;
use crate::events::{EventSink, ProgressEvent, UnitOutcome};
use crate::report::{RunSummary, UnitReport};
use crate::request::RunRequest;
use crate::station::Station;
use crate::unit::{self, SlotPlan};

/// A slot thread that panicked: a station bug.
const SLOT_THREAD: &str = "station::bug::slot_thread";

impl Station {
    /// Provisions one unit per requested slot, all slots concurrently, and returns when every
    /// unit has finished. Unit failures are in the summary; `Err` means the run could not
    /// start or be recorded.
    pub fn run(
        &self,
        request: &RunRequest,
        sink: &dyn EventSink,
    ) -> Result<RunSummary, PipelineError> {
        let started = Instant::now();
        let plans = self.plan(request)?;
        let run_id = RunId(uuid::Uuid::new_v4().to_string());
        self.store.start_run(&NewRun {
            id: run_id.clone(),
            station_id: self.config.station.id.clone(),
            operator: request.operator.clone(),
            work_order: request.work_order.clone(),
            config_path: self.config_path.display().to_string(),
        })?;
        tracing::info!(run = %run_id, slots = plans.len(), operator = %request.operator, "run started");
        sink.event(&ProgressEvent::RunStarted {
            run_id: run_id.to_string(),
            slots: plans.iter().map(|p| p.index).collect(),
        });
        let units: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = plans
                .iter()
                .map(|plan| {
                    let run_id = &run_id;
                    std::thread::Builder::new()
                        .name(format!("slot-{}", plan.index))
                        .spawn_scoped(scope, move || {
                            unit::provision(self, run_id, request, plan, sink)
                        })
                })
                .collect();
            handles
                .into_iter()
                .zip(&plans)
                .map(|(h, plan)| {
                    match h
                        .map_err(|e| e.to_string())
                        .and_then(|h| h.join().map_err(|_| "panicked".to_owned()))
                    {
                        Ok(report) => report,
                        Err(why) => {
                            tracing::error!(slot = plan.index, %why, "slot thread failed");
                            UnitReport {
                                slot: plan.index,
                                serial: None,
                                unit_id: None,
                                outcome: UnitOutcome::Fail {
                                    step: crate::Step::Identify,
                                    code: SLOT_THREAD.into(),
                                    message: format!(
                                        "the station could not run slot {} ({why})",
                                        plan.index
                                    ),
                                    help: station_errors::action(SLOT_THREAD).into(),
                                    also: None,
                                    pending: false,
                                },
                                wall: Duration::ZERO,
                                link_bytes: 0,
                                steps: Vec::new(),
                            }
                        }
                    }
                })
                .collect()
        });
        self.store.finish_run(&run_id)?;
        let summary = RunSummary {
            run_id: run_id.to_string(),
            units,
            wall: started.elapsed(),
        };
        sink.event(&ProgressEvent::RunFinished {
            run_id: run_id.to_string(),
            passed: summary.passed() as u32,
            failed: summary.failed() as u32,
            wall_ms: summary.wall.as_secs_f64() * 1e3,
        });
        tracing::info!(run = %run_id, passed = summary.passed(), failed = summary.failed(), "run finished");
        Ok(summary)
    }

    /// Resolves the requested slots to ports and products.
    fn plan(&self, request: &RunRequest) -> Result<Vec<SlotPlan<'_>>, PipelineError> {
        let fixture = &self.config.fixture;
        let slots: Vec<_> = match &request.slots {
            None => fixture.slots.iter().collect(),
            Some(wanted) => wanted
                .iter()
                .map(|i| self.config.slot(*i).ok_or(PipelineError::UnknownSlot(*i)))
                .collect::<Result<_, _>>()?,
        };
        let mut ports = resolve_slot_ports(fixture, None).map_err(|e| match e {
            ResolveError::Definition(e) => PipelineError::FixtureDefinition(e),
            ResolveError::Discovery(e) => PipelineError::Discovery(e),
            ResolveError::PortsFile(e) => PipelineError::PortsFile(e),
            other => PipelineError::NoPort {
                slot: 0,
                why: other.to_string(),
            },
        })?;
        slots
            .into_iter()
            .map(|s| {
                let found = ports
                    .iter()
                    .position(|(i, _)| *i == s.index)
                    .map(|at| ports.swap_remove(at).1);
                let (port, no_board) = match found {
                    Some(SlotPort::Found { port, .. }) => (port, None),
                    Some(SlotPort::NoBoard(why)) => (String::new(), Some(why)),
                    Some(SlotPort::Unknown(why)) => {
                        return Err(PipelineError::NoPort { slot: s.index, why });
                    }
                    None => {
                        return Err(PipelineError::NoPort {
                            slot: s.index,
                            why: format!("slot {} has no serial port configured", s.index),
                        });
                    }
                };
                let over = request.overrides.get(&s.index);
                let product_id = over
                    .and_then(|o| o.product.as_deref())
                    .unwrap_or(&s.product);
                let product = self.config.product(product_id).ok_or_else(|| {
                    PipelineError::UnknownProduct {
                        slot: s.index,
                        product: product_id.to_owned(),
                    }
                })?;
                Ok(SlotPlan {
                    index: s.index,
                    port,
                    no_board,
                    baud: s.baud_or(fixture),
                    product,
                    expected_serial: over
                        .and_then(|o| o.expected_serial.as_deref())
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                })
            })
            .collect()
    }
}
