#!/usr/bin/env bash
# Build the input files of the real-data configurations from the public data in
# ../shared/data/real (or REAL=/path/to/real): CAMELS-US forcing + USGS flow for
# jobs/camels_flow.ini, and the 410 NWIS gauges (water temperature, flow, PRISM
# air temperature) for jobs/nwis_temp.ini. The data are never copied into the repo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
R="${REAL:-$root/../shared/data/real}"
bin="${MTL_BIN:-$root/build/src}"
mkdir -p "$root/data"
C=$R/camels_us_cuahsi_sample
"$bin/mtl_data" import-camels --forcing "$C/basin_mean_forcing/nldas" \
    --streamflow "$C/usgs_streamflow" --out "$root/data/camels_nldas19.nc"
D=$R/nwis_wtemp_flow_prism_410sites_jswade/data_download
"$bin/mtl_data" import-csv --flow "$D/Discharge/Discharge_2016_2020.csv" --flow-units cfs \
    --temp "$D/StreamTemperature/ST_2016_2020.csv" \
    --driver "tmean=$D/AirTemperature/PRISM_tmean_2016_2020.csv" \
    --sitelist "$D/StreamTemperature/sitelist_2016_2020.csv" \
    --coords "$D/AirTemperature/sites_getprism.csv" --dayl-from-latitude \
    --out "$root/data/nwis410.nc"
