#!/usr/bin/env bash
# Build the input files of the real-data configurations from the public data in
# ../shared/data/real (or REAL=/path/to/real); the data are never copied into the repo.
# Writes (docs/data.md says what each holds):
#   data/camels_nldas19.nc  19 CAMELS-US basins: NLDAS forcing, USGS flow, 29 attributes
#                           -> jobs/camels_flow.ini, jobs/camels_regional.ini
#   data/nwis410.nc         410 NWIS gauges: water temperature, flow, PRISM tmean, dayl,
#                           45 GAGES-II attributes -> jobs/nwis_temp.ini, jobs/nwis_temp_regional.ini
#   data/drb4.nc            4 Delaware River Basin segments (river-dl zarr): PRMS drivers,
#                           observed flow and temperature, PRMS outputs as truth, segment
#                           attributes -> jobs/drb_regional.ini
# Warnings name each site without attributes (NaN there: a job must not use it as static).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
R="${REAL:-$root/../shared/data/real}"
bin="${MTL_BIN:-$root/build/src}"
mkdir -p "$root/data"
C=$R/camels_us_cuahsi_sample
# The sample's own camels_attributes_v2.0 lacks 01022500; the neuralhydrology
# sample's tables cover all 671 CAMELS basins (same values for the other 18).
"$bin/mtl_data" import-camels --forcing "$C/basin_mean_forcing/nldas" \
    --streamflow "$C/usgs_streamflow" \
    --attributes "$R/camels_us_neuralhydrology_test/camels_us/camels_attributes_v2.0" \
    --out "$root/data/camels_nldas19.nc"
N=$R/nwis_wtemp_flow_prism_410sites_jswade
D=$N/data_download
"$bin/mtl_data" import-csv --flow "$D/Discharge/Discharge_2016_2020.csv" --flow-units cfs \
    --temp "$D/StreamTemperature/ST_2016_2020.csv" \
    --driver "tmean=$D/AirTemperature/PRISM_tmean_2016_2020.csv" \
    --sitelist "$D/StreamTemperature/sitelist_2016_2020.csv" \
    --coords "$D/AirTemperature/sites_getprism.csv" --dayl-from-latitude \
    --attributes "$N/data_raw/gagesII_RF_2016_2020_subset.csv" \
    --out "$root/data/nwis410.nc"
Z=$R/drb_river_dl_test_zarr
"$bin/mtl_data" import-drb --zarr "$Z" --attributes "$Z/test_seg_attr.csv" --dayl-from-latitude \
    --out "$root/data/drb4.nc"
