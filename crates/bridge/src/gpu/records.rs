//! WIT's map resources, `record-gpu-pipeline-constant-value` (a stage's `constants`) and
//! `record-option-gpu-size64` (a device descriptor's `required-limits`): each is the plain
//! JavaScript object WebGPU takes for its `record<DOMString, …>`, so a descriptor holding one
//! converts to the right record (the resource's `ToJs` is its object). The object has no
//! prototype, so any key (`__proto__` too) is an ordinary property.
//!
//! Keys are WebGPU's, used as given: override names or ids for constants (`"0"`, `"scale"`),
//! `GPUSupportedLimits` names for required limits (`"maxBindGroups"`). `keys`, `values` and
//! `entries` list in JavaScript's property order (integer-like keys first, ascending, then the
//! others as added). A `none` size is kept as `undefined`: the key is there (`has` is true) and
//! WebGPU ignores it, as it does in JavaScript.

use gfx_component::abi::{Borrow, Resource, Trap};
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::bindings::webgpu::*;
use crate::Bridge;

/// A new `Object.create(null)`.
fn empty() -> JsValue {
    Object::create(JsValue::NULL.unchecked_ref::<Object>()).into()
}

fn has(obj: &JsValue, key: &str) -> bool {
    Object::has_own(obj.unchecked_ref::<Object>(), &JsValue::from_str(key))
}

/// The own keys of `obj`, in property order.
fn keys(obj: &JsValue) -> Vec<String> {
    Object::keys(obj.unchecked_ref::<Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .collect()
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Sets or deletes on a plain object of ours, which cannot throw.
fn set(obj: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

fn remove(obj: &JsValue, key: &str) {
    let _ = Reflect::delete_property(obj.unchecked_ref::<Object>(), &JsValue::from_str(key));
}

/// A size as JavaScript has it: a number, or `undefined` for `none`.
fn size_of_js(v: &JsValue) -> Option<u64> {
    v.as_f64().map(|n| n as u64)
}

impl HostRecordGpuPipelineConstantValue for Bridge {
    fn record_gpu_pipeline_constant_value_new(
        &mut self,
    ) -> Result<Resource<RecordGpuPipelineConstantValue>, Trap> {
        Ok(self.keep(empty()))
    }

    fn record_gpu_pipeline_constant_value_add(
        &mut self,
        self_: Borrow<RecordGpuPipelineConstantValue>,
        key: String,
        value: f64,
    ) -> Result<(), Trap> {
        set(&self.obj(&self_), &key, &JsValue::from(value));
        Ok(())
    }

    fn record_gpu_pipeline_constant_value_get(
        &mut self,
        self_: Borrow<RecordGpuPipelineConstantValue>,
        key: String,
    ) -> Result<Option<f64>, Trap> {
        let obj = self.obj(&self_);
        Ok(has(&obj, &key).then(|| get(&obj, &key).as_f64()).flatten())
    }

    fn record_gpu_pipeline_constant_value_has(
        &mut self,
        self_: Borrow<RecordGpuPipelineConstantValue>,
        key: String,
    ) -> Result<bool, Trap> {
        Ok(has(&self.obj(&self_), &key))
    }

    fn record_gpu_pipeline_constant_value_remove(
        &mut self,
        self_: Borrow<RecordGpuPipelineConstantValue>,
        key: String,
    ) -> Result<(), Trap> {
        remove(&self.obj(&self_), &key);
        Ok(())
    }

    fn record_gpu_pipeline_constant_value_keys(
        &mut self,
        self_: Borrow<RecordGpuPipelineConstantValue>,
    ) -> Result<Vec<String>, Trap> {
        Ok(keys(&self.obj(&self_)))
    }

    fn record_gpu_pipeline_constant_value_values(
        &mut self,
        self_: Borrow<RecordGpuPipelineConstantValue>,
    ) -> Result<Vec<f64>, Trap> {
        let obj = self.obj(&self_);
        Ok(keys(&obj)
            .iter()
            .filter_map(|k| get(&obj, k).as_f64())
            .collect())
    }

    fn record_gpu_pipeline_constant_value_entries(
        &mut self,
        self_: Borrow<RecordGpuPipelineConstantValue>,
    ) -> Result<Vec<(String, f64)>, Trap> {
        let obj = self.obj(&self_);
        Ok(keys(&obj)
            .into_iter()
            .filter_map(|k| get(&obj, &k).as_f64().map(|v| (k, v)))
            .collect())
    }

    fn record_gpu_pipeline_constant_value_drop(
        &mut self,
        r: Resource<RecordGpuPipelineConstantValue>,
    ) {
        self.forget(r)
    }
}

impl HostRecordOptionGpuSize64 for Bridge {
    fn record_option_gpu_size64_new(&mut self) -> Result<Resource<RecordOptionGpuSize64>, Trap> {
        Ok(self.keep(empty()))
    }

    fn record_option_gpu_size64_add(
        &mut self,
        self_: Borrow<RecordOptionGpuSize64>,
        key: String,
        value: Option<u64>,
    ) -> Result<(), Trap> {
        let v = value.map_or(JsValue::UNDEFINED, |v| JsValue::from(v as f64));
        set(&self.obj(&self_), &key, &v);
        Ok(())
    }

    fn record_option_gpu_size64_get(
        &mut self,
        self_: Borrow<RecordOptionGpuSize64>,
        key: String,
    ) -> Result<Option<Option<u64>>, Trap> {
        let obj = self.obj(&self_);
        Ok(has(&obj, &key).then(|| size_of_js(&get(&obj, &key))))
    }

    fn record_option_gpu_size64_has(
        &mut self,
        self_: Borrow<RecordOptionGpuSize64>,
        key: String,
    ) -> Result<bool, Trap> {
        Ok(has(&self.obj(&self_), &key))
    }

    fn record_option_gpu_size64_remove(
        &mut self,
        self_: Borrow<RecordOptionGpuSize64>,
        key: String,
    ) -> Result<(), Trap> {
        remove(&self.obj(&self_), &key);
        Ok(())
    }

    fn record_option_gpu_size64_keys(
        &mut self,
        self_: Borrow<RecordOptionGpuSize64>,
    ) -> Result<Vec<String>, Trap> {
        Ok(keys(&self.obj(&self_)))
    }

    fn record_option_gpu_size64_values(
        &mut self,
        self_: Borrow<RecordOptionGpuSize64>,
    ) -> Result<Vec<Option<u64>>, Trap> {
        let obj = self.obj(&self_);
        Ok(keys(&obj)
            .iter()
            .map(|k| size_of_js(&get(&obj, k)))
            .collect())
    }

    fn record_option_gpu_size64_entries(
        &mut self,
        self_: Borrow<RecordOptionGpuSize64>,
    ) -> Result<Vec<(String, Option<u64>)>, Trap> {
        let obj = self.obj(&self_);
        Ok(keys(&obj)
            .into_iter()
            .map(|k| {
                let v = size_of_js(&get(&obj, &k));
                (k, v)
            })
            .collect())
    }

    fn record_option_gpu_size64_drop(&mut self, r: Resource<RecordOptionGpuSize64>) {
        self.forget(r)
    }
}
