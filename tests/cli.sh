#!/bin/sh
# Placeholder until the CLI suite lands in this file.
exit 0
