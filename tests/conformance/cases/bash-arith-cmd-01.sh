#!/bin/bash
((1 + 1)) && echo true
((0)) || echo false
((5 > 3)) && echo gt
(( 2 * 3 == 6 )) && echo eq
