### Borrador de traducción automática: cada mensaje está marcado # unreviewed hasta que alguien de la planta lo revise; después, # reviewed: nombre fecha.
### La pantalla Cola: las inscripciones en espera de subirse a DPS, si el servicio de carga está
### en ejecución, las inscripciones que DPS rechazó por conflicto (un supervisor las reintenta o
### las resuelve) y los últimos errores de carga.

## El título de la pantalla y sus contadores

# unreviewed
queue-title = Cola y carga
# Contador: inscripciones en espera de subirse.
# unreviewed
queue-card-queued = En cola
# Contador: inscripciones que se están enviando a DPS en este momento.
# unreviewed
queue-card-uploading = Subiendo ahora
# unreviewed
queue-card-uploaded-hour = Subidas (última hora)
# unreviewed
queue-card-uploaded-all = Subidas (total)
# Contador: inscripciones que DPS rechazó porque ya tiene otra para el mismo dispositivo.
# unreviewed
queue-card-conflicts = Conflictos
# $age: hace cuánto, p. ej. "4 min" o "2 h 5 min"; $time: la fecha y hora en que se puso en cola.
# unreviewed
queue-oldest = Más antigua en cola: hace { $age } ({ $time })
# unreviewed
queue-oldest-none = Más antigua en cola: ninguna

## Si el servicio de carga (el programa que envía las inscripciones a DPS en segundo plano) está en ejecución

# unreviewed
queue-uploader-running = Servicio de carga: en ejecución
# Mantenga "no está en ejecución" igual en los tres mensajes que lo dicen.
# unreviewed
queue-uploader-stopped = Servicio de carga: no está en ejecución
# Se muestra cuando hay inscripciones en espera: ninguna llega a DPS.
# unreviewed
queue-uploader-stopped-queued = Servicio de carga: no está en ejecución: nada llega a { -dps } hasta que se ejecute. Llame a un { -supervisor } para iniciarlo.
# unreviewed
queue-uploader-unknown = Servicio de carga: la { -station } no pudo saber si está en ejecución

## Conflictos: DPS ya tiene otra inscripción para el mismo ID de registro

# unreviewed
queue-conflicts = Conflictos
# unreviewed
queue-conflicts-help = { -dps } ya tiene otra { -enrollment } para estos ID de registro. Revísela en { -dps }: si es obsoleta, elimínela ahí y reintente la carga; si es la correcta, marque el conflicto como resuelto.
# Sigue a queue-conflicts-help, para alguien que no es supervisor.
# unreviewed
queue-conflicts-ask = Cualquiera de las dos la hace un { -supervisor }.
# unreviewed
queue-conflicts-none = No hay conflictos.
# Una celda de la tabla: la unidad (el aprovisionamiento de una placa) a la que pertenece esta inscripción, por su número.
# unreviewed
queue-conflict-unit = { -unit } #{ $unit }
# unreviewed
queue-retry = Reintentar carga
    .title = Después de eliminar la { -enrollment } obsoleta de { -dps }: volver a poner en cola la { -enrollment } de esta { -unit } para subirla
# $unit: el número de la unidad; $registration: su ID de registro en DPS.
# unreviewed
queue-retry-confirm = ¿Volver a poner en cola la { -enrollment } de la { -unit } #{ $unit } ({ $registration }) para subirla?
# unreviewed
queue-retry-done = { $registration } de nuevo en cola para subirse
# unreviewed
queue-resolve = Marcar resuelto
    .title = { -dps } ya tiene la { -enrollment } correcta para esta { -unit }: marcarla como subida sin subirla
# unreviewed
queue-resolve-confirm = ¿Marcar la { -unit } #{ $unit } ({ $registration }) como subida sin subirla? Hágalo solo si { -dps } ya tiene su { -enrollment } correcta.
# unreviewed
queue-resolve-done = { $registration } marcado como resuelto

## Los últimos errores de carga

# unreviewed
queue-errors = Últimos errores
# unreviewed
queue-errors-none = No hay errores de carga.
# El estado de una inscripción, en la tabla de errores. "superseded": un retrabajo volvió a
# aprovisionar la placa y una inscripción posterior reemplaza a esta. "disable_queued": una placa
# revocada, cuya inscripción se va a deshabilitar en DPS para que DPS la rechace.
# unreviewed
queue-enrollment-status = { $status ->
    [queued] en espera de subirse
    [uploaded] subida
    [conflict] conflicto
    [superseded] reemplazada por un retrabajo
    [disable_queued] en espera de deshabilitarse en { -dps }
    [disabled] deshabilitada en { -dps }
   *[other] { $status }
}
# unreviewed
queue-footer = Las cargas se ejecutan en segundo plano; un { -supervisor } exporta lotes en la pantalla { -supervisor(form: "title") }.
