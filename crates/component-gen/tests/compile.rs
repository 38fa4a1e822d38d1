#![deny(warnings)]
#[allow(dead_code)]
mod values {
    include!("generated/values.rs");
}
#[allow(dead_code)]
mod resources {
    include!("generated/resources.rs");
}
#[allow(dead_code)]
mod edge {
    include!("generated/edge.rs");
}
#[allow(dead_code)]
mod asyncs {
    include!("generated/asyncs.rs");
}
#[allow(dead_code)]
mod async_world {
    include!("generated/async_world.rs");
}
#[allow(dead_code)]
mod streams {
    include!("generated/streams.rs");
}
