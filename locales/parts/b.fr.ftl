
## part b (being merged into fr.ftl)

