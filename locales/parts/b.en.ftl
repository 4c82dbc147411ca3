
## part b (being merged into en.ftl)

