//! HealthKit type names and unit conversion into Terra's units (metres, kcal, kg, bpm,
//! mg/dL, °C, percent).

/// Quantities summed per day with [`super::dedup`] (several sources overlap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Summed {
    Steps,
    DistanceWalkingRunning,
    DistanceCycling,
    DistanceSwimming,
    ActiveEnergy,
    BasalEnergy,
    Floors,
}

impl Summed {
    pub const COUNT: usize = 7;

    pub fn of(kind: &str) -> Option<Self> {
        Some(match kind.strip_prefix("HKQuantityTypeIdentifier")? {
            "StepCount" => Self::Steps,
            "DistanceWalkingRunning" => Self::DistanceWalkingRunning,
            "DistanceCycling" => Self::DistanceCycling,
            "DistanceSwimming" => Self::DistanceSwimming,
            "ActiveEnergyBurned" => Self::ActiveEnergy,
            "BasalEnergyBurned" => Self::BasalEnergy,
            "FlightsClimbed" => Self::Floors,
            _ => return None,
        })
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Point measurements kept as samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measured {
    HeartRate,
    RestingHeartRate,
    HrvSdnn,
    RespiratoryRate,
    BodyMass,
    BodyFat,
    BodyMassIndex,
    Height,
    BloodGlucose,
    OxygenSaturation,
    BodyTemperature,
}

impl Measured {
    pub fn of(kind: &str) -> Option<Self> {
        Some(match kind.strip_prefix("HKQuantityTypeIdentifier")? {
            "HeartRate" => Self::HeartRate,
            "RestingHeartRate" => Self::RestingHeartRate,
            "HeartRateVariabilitySDNN" => Self::HrvSdnn,
            "RespiratoryRate" => Self::RespiratoryRate,
            "BodyMass" => Self::BodyMass,
            "BodyFatPercentage" => Self::BodyFat,
            "BodyMassIndex" => Self::BodyMassIndex,
            "Height" => Self::Height,
            "BloodGlucose" => Self::BloodGlucose,
            "OxygenSaturation" => Self::OxygenSaturation,
            "BodyTemperature" => Self::BodyTemperature,
            _ => return None,
        })
    }
}

/// Dietary quantities, in the order of [`NUTRIENTS`].
pub const NUTRIENTS: [&str; 8] = [
    "HKQuantityTypeIdentifierDietaryEnergyConsumed",
    "HKQuantityTypeIdentifierDietaryCarbohydrates",
    "HKQuantityTypeIdentifierDietaryProtein",
    "HKQuantityTypeIdentifierDietaryFatTotal",
    "HKQuantityTypeIdentifierDietaryFiber",
    "HKQuantityTypeIdentifierDietarySugar",
    "HKQuantityTypeIdentifierDietarySodium",
    "HKQuantityTypeIdentifierDietaryWater",
];

pub fn nutrient_index(kind: &str) -> Option<usize> {
    NUTRIENTS.iter().position(|name| *name == kind)
}

/// `value` in `unit` converted to Terra's unit for its dimension; `None` for a unit this
/// importer does not know (the record is then skipped, not guessed).
pub fn to_terra(value: f64, unit: &str) -> Option<f64> {
    Some(match unit {
        // Counts, rates and Terra-native units pass through.
        "count" | "count/min" | "ms" | "kcal" | "Cal" | "kg" | "mmHg" | "mg/dL" | "degC" | "g"
        | "mg" | "mL" | "m" | "cm" => value,
        "%" => value * 100.0,
        "km" => value * 1000.0,
        "mi" => value * 1609.344,
        "ft" => value * 0.3048,
        "in" => value * 0.0254,
        "kJ" => value / 4.184,
        "lb" => value * 0.453_592_37,
        "degF" => (value - 32.0) * 5.0 / 9.0,
        "L" => value * 1000.0,
        "fl_oz_us" => value * 29.573_529_562_5,
        unit if unit.starts_with("mmol<") && unit.ends_with(">/L") => value * 18.0156,
        _ => return None,
    })
}
