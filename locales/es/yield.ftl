### Borrador de traducción automática: cada mensaje está marcado # unreviewed hasta que alguien de la planta lo revise; después, # reviewed: nombre fecha.
### La pantalla Rendimiento (cuántas placas pasaron y fallaron, por hora y por qué, por turno y
### orden de trabajo), el panel de toda la línea al final y el indicador de la línea en el
### encabezado. "La línea": las estaciones de una línea de producción, que comparten una base de
### datos para que ninguna placa se aprovisione dos veces.

## Los filtros de la pantalla Rendimiento

# unreviewed
yield-title = Rendimiento
# Un turno de trabajo de 8 horas (06–14, 14–22, 22–06).
# unreviewed
yield-shift = Turno
# unreviewed
yield-shift-all = Todo el tiempo
# Un turno en la lista: $day su primer día (2026-12-03), $from y $until sus horas (14:00).
# unreviewed
yield-shift-option = { $day } { $from }–{ $until }
# unreviewed
yield-work-order = { -work-order(form: "title") }
# Todas las órdenes de trabajo.
# unreviewed
yield-work-order-all = Todas

## Sus contadores y gráficas

# unreviewed
yield-pass = { -pass }
# unreviewed
yield-fail = { -fail }
# Contador y columna: la parte de las placas que pasaron.
# unreviewed
yield-yield = Rendimiento
# Una proporción, p. ej. "41,7 %": $percent va de 0 a 100.
# unreviewed
yield-percent = { NUMBER($percent, minimumFractionDigits: 1, maximumFractionDigits: 1) } %
# unreviewed
yield-chart-hourly = { -pass } y { -fail } por hora
# El Pareto de fallas: una barra por error y paso, la más frecuente primero.
# unreviewed
yield-chart-reasons = Causas de falla (por código y paso)
# La leyenda de las barras de falla: cuántas unidades (placas aprovisionadas) fallaron así.
# unreviewed
yield-chart-units = Unidades
# La etiqueta de una barra: $reason es la descripción del error, $step el paso en que falló la placa.
# unreviewed
yield-reason-label = { $reason } · { $step }

## La tabla de causas de falla

# unreviewed
yield-reason = Causa
# unreviewed
yield-step = Paso
# unreviewed
yield-units = Unidades
# La parte de todas las fallas que corresponde a esta causa.
# unreviewed
yield-share = Proporción
# El total acumulado de las proporciones, desde la causa más frecuente hasta esta.
# unreviewed
yield-cumulative = Acumulado
# El código de error (p. ej. station::smp::timeout).
# unreviewed
yield-code = Código
# En una fila: el mensaje de la unidad más reciente que falló por esta causa.
# unreviewed
yield-reason-newest = Más reciente: { $message }

## Toda la línea: el rendimiento de cada estación, las cuotas de certificados de las órdenes de
## trabajo y lo que un supervisor debe revisar

# unreviewed
line-whole = Toda la { -line }
# El título del panel cuando la pantalla muestra una sola orden de trabajo.
# unreviewed
line-whole-work-order = Toda la { -line } — { -work-order } { $workOrder }
# unreviewed
line-station = { -station(form: "title") }
# Cuándo se conectó por última vez cada estación a la base de datos de la línea.
# unreviewed
line-last-seen = Última conexión
# $age: hace cuánto, p. ej. "40 s" o "6 min".
# unreviewed
line-seen-ago = hace { $age }
# unreviewed
line-seen-never = nunca
# La fila de la estación en la que corre esta pantalla.
# unreviewed
line-station-here = { $station } (esta { -station })
# Cuántos certificados puede emitir la orden de trabajo en toda la línea.
# unreviewed
line-quota = Cuota
# Certificados de la cuota ya asignados a las estaciones (usados o todavía no).
# unreviewed
line-handed-out = Asignados
# unreviewed
line-issued = Emitidos
# Una orden de trabajo que ya no acepta más placas.
# unreviewed
line-work-order-closed = cerrada
# Conflictos: un número de serie o una clave que se aprovisionó en dos estaciones mientras una de
# ellas no tenía conexión con la línea. Seguido de line-conflicts-help.
# unreviewed
line-conflicts = { $count ->
    [one] { $count } conflicto:
   *[other] { $count } conflictos:
}
# unreviewed
line-conflicts-help = el mismo { -serial } o la misma clave se aprovisionó en dos { -station(form: "plural") } mientras no había conexión con la { -line }. Un { -supervisor } decide qué { -board } conservar.
# Un conflicto: su número, lo que se aprovisionó dos veces y luego las dos unidades y sus estaciones.
# unreviewed
line-conflict = #{ $id } { $kind } { $value }: { -unit } { $holderUnit } en la { -station } { $holderStation } y { -unit } { $unit } en la { -station } { $station }
# De qué trata un conflicto: el valor que aprovisionaron ambas estaciones.
# unreviewed
line-conflict-kind = { $kind ->
    [serial] { -serial }
    [registration_id] ID de registro
    [ek_sha256] chip de seguridad
    [symkey_sha256] clave del dispositivo
    [cert_serial] número de certificado
    [spki_sha256] clave certificada del dispositivo
   *[other] { $kind }
}
# Placas cuya estación se detuvo mientras las bloqueaba. Seguido de line-claims-help.
# unreviewed
line-claims = { $count ->
    [one] { $count } { -board } detenida durante el bloqueo:
   *[other] { $count } { -board(form: "plural") } detenidas durante el bloqueo:
}
# unreviewed
line-claims-help = lleve cada una a la { -station } indicada aquí; solo esa { -station } puede terminarla.
# unreviewed
line-claim = { $serial } en la { -station } { $station } ({ -unit } { $unit })
# unreviewed
line-claim-no-serial = Una { -board } sin { -serial } conocido en la { -station } { $station } ({ -unit } { $unit })

## El indicador de la línea en el encabezado: si esta estación llega a la base de datos de la línea

# $count: cuántos conflictos encontró la línea; su título dice cuáles son.
# unreviewed
line-badge-conflicts = { $count ->
    [one] { -line(form: "title") }: { $count } conflicto
   *[other] { -line(form: "title") }: { $count } conflictos
}
    .title = Algunas { -board(form: "plural") } aprovisionadas aquí mientras no había conexión con la { -line } también se aprovisionaron en otra { -station }: llame a un { -supervisor }. La pantalla Rendimiento las muestra.
# $count: registros de esta estación que la línea todavía no recibe y que se envían ahora.
# unreviewed
line-badge-connected = { $count ->
    [0] { -line(form: "title") }: conectada
   *[other] { -line(form: "title") }: conectada ({ $count } por enviar)
}
    .title = Conectada a la base de datos de la { -line }.
# No hay conexión con la línea y esta estación sigue aprovisionando por su cuenta; $count: los
# registros que guarda para enviar cuando vuelva la línea.
# unreviewed
line-badge-alone = { $count ->
    [0] { -line(form: "title") }: sin conexión — trabajando sola
   *[other] { -line(form: "title") }: sin conexión — trabajando sola ({ $count } por enviar)
}
    .title = No hay conexión con la base de datos de la { -line }: esta { -station } sigue aprovisionando, revisando solo sus propios registros, y los envía a la { -line } cuando vuelva la conexión.
# unreviewed
line-badge-refused = { -line(form: "title") }: sin conexión — aprovisionamiento detenido
    .title = No hay conexión con la base de datos de la { -line }: no se puede aprovisionar ninguna { -board } hasta que vuelva. Llame a un { -supervisor }.
