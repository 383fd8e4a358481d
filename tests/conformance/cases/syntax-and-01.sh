&& echo a
