#!/bin/bash
function outer {
	function inner { echo inner; }
	inner
}
outer
inner
