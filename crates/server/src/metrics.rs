//! Prometheus metrics: frames rendered, render latency, sessions, rejections by code.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Label: where a frame was rendered for.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    /// `frame` (the frame endpoint) or `session`.
    pub kind: &'static str,
}

/// Label: an error code.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabel {
    /// The API error code.
    pub code: &'static str,
}

/// The server's metrics.
pub struct Metrics {
    registry: Mutex<Registry>,
    frames: Family<KindLabel, Counter>,
    latency: Family<KindLabel, Histogram>,
    cache_hits: Counter,
    sessions_active: Gauge,
    sessions_started: Counter,
    rejections: Family<CodeLabel, Counter>,
    guest_failures: Family<CodeLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric under the `gfx_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("gfx");
        let frames = Family::<KindLabel, Counter>::default();
        let latency = Family::<KindLabel, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
            ])
        });
        let cache_hits = Counter::default();
        let sessions_active = Gauge::default();
        let sessions_started = Counter::default();
        let rejections = Family::<CodeLabel, Counter>::default();
        let guest_failures = Family::<CodeLabel, Counter>::default();
        registry.register(
            "frames_rendered",
            "Frames presented by guests and read back",
            frames.clone(),
        );
        registry.register(
            "render_latency_seconds",
            "From asking for a frame to having it encoded",
            latency.clone(),
        );
        registry.register(
            "frame_cache_hits",
            "Frame requests answered from the cache",
            cache_hits.clone(),
        );
        registry.register("sessions_active", "Live sessions", sessions_active.clone());
        registry.register(
            "sessions_started",
            "Sessions opened",
            sessions_started.clone(),
        );
        registry.register(
            "rejections",
            "Requests refused, by error code",
            rejections.clone(),
        );
        registry.register(
            "guest_failures",
            "Guest runs that ended in an error, by code",
            guest_failures.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            frames,
            latency,
            cache_hits,
            sessions_active,
            sessions_started,
            rejections,
            guest_failures,
        }
    }

    /// One frame rendered, and how long it took.
    pub fn frame(&self, kind: &'static str, took: Duration) {
        self.frames.get_or_create(&KindLabel { kind }).inc();
        self.latency
            .get_or_create(&KindLabel { kind })
            .observe(took.as_secs_f64());
    }

    /// A frame request answered from the cache.
    pub fn cache_hit(&self) {
        self.cache_hits.inc();
    }

    /// A session opened.
    pub fn session_started(&self) {
        self.sessions_started.inc();
        self.sessions_active.inc();
    }

    /// A session ended.
    pub fn session_ended(&self) {
        self.sessions_active.dec();
    }

    /// A request refused.
    pub fn rejected(&self, code: &'static str) {
        self.rejections.get_or_create(&CodeLabel { code }).inc();
    }

    /// A guest run failed.
    pub fn guest_failed(&self, code: &'static str) {
        self.guest_failures.get_or_create(&CodeLabel { code }).inc();
    }

    /// The text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        out
    }
}
