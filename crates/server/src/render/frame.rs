//! A presented frame and its encodings (PNG, JPEG, WebP).
//!
//! Frames are always tightly packed 8-bit RGBA, rows top to bottom, whatever texture format the
//! guest configured its canvas with: the render core converts on readback.

use std::io::Cursor;

use gfx_trust::policy::ImageFormat;
use image::{ExtendedColorType, ImageEncoder};

/// One frame as the guest presented it.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes of RGBA.
    pub rgba: Vec<u8>,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("bytes", &self.rgba.len())
            .finish()
    }
}

/// Encoding a frame failed (only on an internal inconsistency: frames are built by us).
#[derive(Debug, thiserror::Error)]
#[error("could not encode the frame as {format}: {message}")]
pub struct EncodeError {
    format: &'static str,
    message: String,
}

impl Frame {
    /// The RGBA value of the pixel at (`x`, `y`), if inside the frame.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 4;
        let p = self.rgba.get(i..i + 4)?;
        Some([p[0], p[1], p[2], p[3]])
    }

    /// Encodes the frame. The output is a pure function of the pixels, so equal frames give equal
    /// bytes (which the frame endpoint's `ETag` relies on).
    pub fn encode(&self, format: ImageFormat) -> Result<Vec<u8>, EncodeError> {
        let mut out = Cursor::new(Vec::with_capacity(self.rgba.len() / 4));
        let fail = |e: image::ImageError| EncodeError {
            format: format.as_str(),
            message: e.to_string(),
        };
        match format {
            ImageFormat::Png => image::codecs::png::PngEncoder::new_with_quality(
                &mut out,
                image::codecs::png::CompressionType::Fast,
                image::codecs::png::FilterType::Sub,
            )
            .write_image(
                &self.rgba,
                self.width,
                self.height,
                ExtendedColorType::Rgba8,
            )
            .map_err(fail)?,
            ImageFormat::Jpeg => {
                // JPEG has no alpha: drop it.
                let rgb: Vec<u8> = self
                    .rgba
                    .chunks_exact(4)
                    .flat_map(|p| [p[0], p[1], p[2]])
                    .collect();
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
                    .write_image(&rgb, self.width, self.height, ExtendedColorType::Rgb8)
                    .map_err(fail)?
            }
            ImageFormat::Webp => image::codecs::webp::WebPEncoder::new_lossless(&mut out)
                .write_image(
                    &self.rgba,
                    self.width,
                    self.height,
                    ExtendedColorType::Rgba8,
                )
                .map_err(fail)?,
        }
        Ok(out.into_inner())
    }
}

/// The HTTP media type of an encoding.
pub fn media_type(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "image/png",
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Webp => "image/webp",
    }
}
