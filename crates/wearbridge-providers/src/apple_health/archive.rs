//! Opening an export: a `.zip` as the Health app shares it (`apple_health_export/
//! export.xml` plus `workout-routes/*.gpx`), or a bare `export.xml` (its routes, if any,
//! in `workout-routes/` next to it). The only file IO of the importer.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use super::ExportError;
use super::collect::{Collected, collect};
use super::gpx::{RoutePoint, route_points};
use super::map::RouteSource;

/// An opened export.
pub enum ExportFile {
    Xml(PathBuf),
    Zip {
        archive: RefCell<zip::ZipArchive<File>>,
        /// The entry holding `export.xml`.
        xml_entry: String,
        /// The folder of that entry (`apple_health_export/`), where routes live too.
        root: String,
    },
}

const ZIP_MAGIC: &[u8; 4] = b"PK\x03\x04";

impl ExportFile {
    /// Opens `path`, telling a zip from XML by its first bytes.
    pub fn open(path: &Path) -> Result<Self, ExportError> {
        let mut file = File::open(path)?;
        let mut magic = [0_u8; 4];
        let is_zip = file.read_exact(&mut magic).is_ok() && &magic == ZIP_MAGIC;
        if !is_zip {
            return Ok(Self::Xml(path.to_owned()));
        }
        file.rewind()?;
        let archive =
            zip::ZipArchive::new(file).map_err(|error| ExportError::Archive(error.to_string()))?;
        let xml_entry = main_entry(&archive)?;
        let root = xml_entry
            .rsplit_once('/')
            .map(|(folder, _)| format!("{folder}/"))
            .unwrap_or_default();
        Ok(Self::Zip {
            archive: RefCell::new(archive),
            xml_entry,
            root,
        })
    }

    /// Streams and validates the whole export (stage one).
    pub fn collect(&self, progress: impl FnMut(u64)) -> Result<Collected, ExportError> {
        match self {
            Self::Xml(path) => collect(
                BufReader::with_capacity(1 << 20, File::open(path)?),
                progress,
            ),
            Self::Zip {
                archive, xml_entry, ..
            } => {
                let mut archive = archive.borrow_mut();
                let entry = archive
                    .by_name(xml_entry)
                    .map_err(|error| ExportError::Archive(error.to_string()))?;
                collect(BufReader::with_capacity(1 << 20, entry), progress)
            }
        }
    }
}

/// `…/export.xml`, else the largest other `.xml` that is not the clinical CDA document
/// (localized exports name it differently).
fn main_entry(archive: &zip::ZipArchive<File>) -> Result<String, ExportError> {
    let names: Vec<&str> = archive.file_names().collect();
    if let Some(name) = names
        .iter()
        .find(|n| *n == &"export.xml" || n.ends_with("/export.xml"))
    {
        return Ok((*name).to_owned());
    }
    names
        .iter()
        .filter(|n| {
            n.ends_with(".xml") && !n.contains("export_cda") && !n.contains("/electrocardiograms/")
        })
        .map(|n| (*n).to_owned())
        .next()
        .ok_or_else(|| ExportError::Archive("no export.xml in the archive".to_owned()))
}

impl RouteSource for ExportFile {
    fn route(&self, path: &str) -> Option<Vec<RoutePoint>> {
        let relative = path.trim_start_matches('/');
        match self {
            Self::Xml(xml) => {
                let file = File::open(xml.parent()?.join(relative)).ok()?;
                Some(route_points(BufReader::new(file)))
            }
            Self::Zip { archive, root, .. } => {
                let mut archive = archive.borrow_mut();
                let entry = archive.by_name(&format!("{root}{relative}")).ok()?;
                Some(route_points(BufReader::new(entry)))
            }
        }
    }
}
