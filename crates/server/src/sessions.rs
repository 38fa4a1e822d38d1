//! Live sessions: a guest run ticked by a server clock at the session's fps, its frames encoded and
//! broadcast to event-stream subscribers, input forwarded to the guest's surface streams.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use gfx_trust::policy::ImageFormat;
use serde::Serialize;
use tokio::sync::{broadcast, watch};

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::registry::Registered;
use crate::render::{Input, RenderEngine, RunEvent, RunSpec};

/// A frame as sessions send it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EncodedFrame {
    /// 0 for the first frame the session presented.
    pub index: u64,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// Media type of `bytes`.
    pub mime: &'static str,
    /// The encoded image.
    #[serde(skip)]
    pub bytes: Arc<Vec<u8>>,
}

/// What a session's event stream carries.
#[derive(Debug, Clone)]
pub enum SessionEvent {
    /// A new frame.
    Frame(Arc<EncodedFrame>),
    /// The session ended; `code` says why (`stopped`, `idle-timeout`, or a guest error code).
    Ended {
        /// Machine-readable reason.
        code: &'static str,
        /// For a person.
        message: String,
        /// Whether this is an error (the guest failed) rather than an orderly end.
        error: bool,
    },
}

/// Settings shared by all sessions.
#[derive(Debug, Clone, Copy)]
pub struct SessionSettings {
    /// Most sessions at once.
    pub max_sessions: usize,
    /// A session with no subscriber and no input for this long ends.
    pub idle_timeout: Duration,
    /// A frame must arrive this long after its tick.
    pub frame_timeout: Duration,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One live session.
pub struct Session {
    /// Random id.
    pub id: String,
    /// The component.
    pub component: Arc<Registered>,
    /// Encoding of frames.
    pub format: ImageFormat,
    /// Frames per second.
    pub fps: u32,
    inputs: Mutex<Option<tokio::sync::mpsc::UnboundedSender<Input>>>,
    events: broadcast::Sender<SessionEvent>,
    latest: Mutex<Option<Arc<EncodedFrame>>>,
    ended: Mutex<Option<SessionEvent>>,
    stop: watch::Sender<Option<&'static str>>,
    last_active: Mutex<Instant>,
    frames: AtomicU64,
}

impl Session {
    /// Subscribes to events; the latest frame (if any) and, for an ended session, its end, come
    /// first.
    pub fn subscribe(&self) -> (Vec<SessionEvent>, broadcast::Receiver<SessionEvent>) {
        self.touch();
        let rx = self.events.subscribe();
        let mut first = Vec::new();
        if let Some(f) = lock(&self.latest).clone() {
            first.push(SessionEvent::Frame(f));
        }
        if let Some(end) = lock(&self.ended).clone() {
            first.push(end);
        }
        (first, rx)
    }

    /// The latest frame.
    pub fn latest(&self) -> Option<Arc<EncodedFrame>> {
        self.touch();
        lock(&self.latest).clone()
    }

    /// Frames presented so far.
    pub fn frame_count(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }

    /// Forwards input to the guest.
    pub fn input(&self, inputs: Vec<Input>) -> Result<(), ApiError> {
        self.touch();
        let guard = lock(&self.inputs);
        let Some(tx) = guard.as_ref() else {
            return Err(ApiError::unknown_session(&self.id));
        };
        for i in inputs {
            if tx.send(i).is_err() {
                return Err(ApiError::unknown_session(&self.id));
            }
        }
        Ok(())
    }

    fn touch(&self) {
        *lock(&self.last_active) = Instant::now();
    }

    fn idle_for(&self) -> Duration {
        if self.events.receiver_count() > 0 {
            return Duration::ZERO;
        }
        lock(&self.last_active).elapsed()
    }

    /// Asks the session to end.
    pub fn stop(&self, code: &'static str) {
        self.stop.send_replace(Some(code));
    }
}

/// Every live session.
pub struct Sessions {
    settings: SessionSettings,
    metrics: Arc<Metrics>,
    live: Mutex<HashMap<String, Arc<Session>>>,
}

impl Sessions {
    /// No sessions yet.
    pub fn new(settings: SessionSettings, metrics: Arc<Metrics>) -> Arc<Self> {
        Arc::new(Sessions {
            settings,
            metrics,
            live: Mutex::new(HashMap::new()),
        })
    }

    /// A live session.
    pub fn get(&self, id: &str) -> Result<Arc<Session>, ApiError> {
        lock(&self.live)
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::unknown_session(id))
    }

    /// How many are live.
    pub fn count(&self) -> usize {
        lock(&self.live).len()
    }

    /// Opens a session (the caller has checked the policy).
    pub fn open(
        self: &Arc<Self>,
        engine: &RenderEngine,
        component: Arc<Registered>,
        width: u32,
        height: u32,
        format: ImageFormat,
        fps: u32,
    ) -> Result<Arc<Session>, ApiError> {
        let mut live = lock(&self.live);
        if live.len() >= self.settings.max_sessions {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-sessions",
                format!(
                    "the server is at its limit of {} sessions; try again later",
                    self.settings.max_sessions
                ),
            ));
        }
        let id = new_id()?;
        let run = engine.spawn(
            &component.component,
            RunSpec {
                width,
                height,
                limits: component.limits,
                label: format!("session {}", id.get(..8).unwrap_or(&id)),
            },
        )?;
        let (inputs, run_events) = run.split();
        let (events, _) = broadcast::channel(8);
        let (stop, stop_rx) = watch::channel(None);
        let session = Arc::new(Session {
            id: id.clone(),
            component,
            format,
            fps: fps.max(1),
            inputs: Mutex::new(Some(inputs)),
            events,
            latest: Mutex::new(None),
            ended: Mutex::new(None),
            stop,
            last_active: Mutex::new(Instant::now()),
            frames: AtomicU64::new(0),
        });
        live.insert(id, Arc::clone(&session));
        drop(live);
        self.metrics.session_started();
        tokio::spawn(pump(
            Arc::clone(self),
            Arc::clone(&session),
            run_events,
            stop_rx,
        ));
        Ok(session)
    }

    /// Ends sessions idle for longer than the idle timeout. Runs until the process ends.
    pub async fn reap_idle(self: Arc<Self>) {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            every.tick().await;
            let idle: Vec<_> = lock(&self.live)
                .values()
                .filter(|s| s.idle_for() > self.settings.idle_timeout)
                .cloned()
                .collect();
            for s in idle {
                tracing::info!(session = %s.id, "idle timeout");
                s.stop("idle-timeout");
            }
        }
    }

    fn remove(&self, id: &str) {
        if lock(&self.live).remove(id).is_some() {
            self.metrics.session_ended();
        }
    }
}

fn new_id() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// Drives one session: ticks at its fps (never more than one frame in flight), encodes and
/// broadcasts frames, and ends it on stop, guest failure, or a stalled guest.
async fn pump(
    sessions: Arc<Sessions>,
    session: Arc<Session>,
    mut run_events: tokio::sync::mpsc::UnboundedReceiver<RunEvent>,
    mut stop: watch::Receiver<Option<&'static str>>,
) {
    let metrics = Arc::clone(&sessions.metrics);
    let mut clock = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(session.fps)));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut asked: Option<Instant> = None;
    let end: SessionEvent = loop {
        let deadline = asked.map(|t| t + sessions.settings.frame_timeout);
        tokio::select! {
            _ = clock.tick(), if asked.is_none() => {
                let sent = lock(&session.inputs).as_ref().is_some_and(|tx| tx.send(Input::Tick).is_ok());
                if sent {
                    asked = Some(Instant::now());
                }
            }
            event = run_events.recv() => match event {
                Some(RunEvent::Frame(frame)) => {
                    let took = asked.take().map(|t| t.elapsed());
                    let format = session.format;
                    let (w, h) = (frame.width, frame.height);
                    let encoded = tokio::task::spawn_blocking(move || frame.encode(format)).await;
                    let bytes = match encoded {
                        Ok(Ok(b)) => b,
                        Ok(Err(e)) => break ended("internal", e.to_string(), true),
                        Err(e) => break ended("internal", format!("encoder task: {e}"), true),
                    };
                    if let Some(t) = took {
                        metrics.frame("session", t);
                    }
                    let index = session.frames.fetch_add(1, Ordering::Relaxed);
                    let frame = Arc::new(EncodedFrame {
                        index,
                        width: w,
                        height: h,
                        mime: crate::render::frame::media_type(format),
                        bytes: Arc::new(bytes),
                    });
                    *lock(&session.latest) = Some(Arc::clone(&frame));
                    let _ = session.events.send(SessionEvent::Frame(frame));
                }
                Some(RunEvent::Ended(Ok(()))) | None => break ended("stopped", "the session was stopped".into(), false),
                Some(RunEvent::Ended(Err(e))) => {
                    metrics.guest_failed(e.code());
                    tracing::warn!(session = %session.id, code = e.code(), "guest failed: {e}");
                    break ended(e.code(), e.to_string(), true);
                }
            },
            _ = async { match deadline { Some(d) => tokio::time::sleep_until(d.into()).await, None => std::future::pending().await } } => {
                let e = crate::render::RenderError::Stalled(sessions.settings.frame_timeout);
                metrics.guest_failed(e.code());
                break ended(e.code(), e.to_string(), true);
            }
            changed = stop.changed() => {
                let code = if changed.is_ok() { (*stop.borrow()).unwrap_or("stopped") } else { "stopped" };
                let message = match code {
                    "idle-timeout" => "no viewer and no input for the idle timeout".to_string(),
                    _ => "the session was stopped".to_string(),
                };
                break ended(code, message, false);
            }
        }
    };
    // Dropping the input side stops the guest thread.
    lock(&session.inputs).take();
    *lock(&session.ended) = Some(end.clone());
    let _ = session.events.send(end);
    sessions.remove(&session.id);
}

fn ended(code: &'static str, message: String, error: bool) -> SessionEvent {
    SessionEvent::Ended {
        code,
        message,
        error,
    }
}
