### Borrador de traducción automática: cada mensaje está marcado # unreviewed hasta que alguien de la planta lo revise; después, # reviewed: nombre fecha.
### El marco de la aplicación: el arranque, el inicio de sesión, el encabezado con sus pantallas,
### el cierre de sesión por inactividad, la aprobación de un supervisor en la misma sesión, la
### salida de la estación y las cuentas bloqueadas.

## Mientras la estación arranca, y cuando no puede

# unreviewed
app-starting = Iniciando…
# unreviewed
app-start-failed = La { -station } no pudo iniciar
# Debajo de la causa de la falla, que se muestra justo arriba. "Reintentar" es app-start-retry.
# unreviewed
app-start-failed-help = Corrija la causa de arriba (o llame al ingeniero de { -line } con esta pantalla) y presione Reintentar.
# unreviewed
app-start-retry = Reintentar
# En el botón Reintentar mientras la estación intenta arrancar de nuevo.
# unreviewed
app-start-trying = Intentando…
# unreviewed
app-start-tries = { $count ->
    [one] Se reintentó { $count } vez: la causa sigue ahí.
   *[other] Se reintentó { $count } veces: la causa sigue ahí.
}

## La pantalla de inicio de sesión

# Debajo del nombre de la estación: qué fixtura maneja y el ID de la estación.
# unreviewed
app-login-fixture = { -fixture(form: "title") } { $fixture } · { -station } { $station }
# Lo mismo, para una fixtura simulada por software (para pruebas, sin placas reales).
# unreviewed
app-login-fixture-virtual = { -fixture(form: "title") } { $fixture } (virtual) · { -station } { $station }
# unreviewed
app-login-badge = ID de { -operator } (escanee su gafete)
# El número personal que se escribe después de escanear el gafete.
# unreviewed
app-pin = PIN
# unreviewed
app-login = Iniciar sesión
# unreviewed
app-logged-out-idle = Se cerró su sesión porque la { -station } no se usó por un rato. Inicie sesión de nuevo para continuar.

## El encabezado: las pantallas, quién inició sesión y los botones para salir

# unreviewed
app-nav-run = Ejecución
# "Unidades" como nombre de pantalla: cada unidad aprovisionada aquí, para consultarla.
# unreviewed
app-nav-units = Unidades
# unreviewed
app-nav-queue = Cola y carga
# La pantalla de cuántas placas pasaron y fallaron.
# unreviewed
app-nav-yield = Rendimiento
# unreviewed
app-nav-supervisor = { -supervisor(form: "title") }
# El botón de la pantalla Supervisor para un técnico: al presionarlo, pide la aprobación de un supervisor.
# Mantenga corto "(aprobación)": la barra de navegación tiene poco espacio.
# unreviewed
app-nav-supervisor-approval = { -supervisor(form: "title") } (aprobación)
# unreviewed
app-work-order = { -work-order(form: "title") }: { $workOrder }
# unreviewed
app-work-order-none = { -work-order(form: "title") }: sin definir
# Quién inició sesión y su rol, p. ej. "Tere Técnica (técnico)".
# unreviewed
app-operator = { $name } ({ $role ->
    [supervisor] { -supervisor }
    [admin] { -admin }
   *[technician] { -technician }
})
# unreviewed
app-logout = Cerrar sesión
# Cierra el programa de la estación (primero lo pregunta).
# unreviewed
app-exit = Salir

## Cierre de sesión por inactividad

# unreviewed
app-idle-countdown = La sesión se cierra en { $seconds } s: toque la pantalla o presione una tecla para seguir en sesión.

## Un supervisor que aprueba en la sesión de un técnico

# $name y $id: el supervisor que aprueba; $user: la persona con sesión iniciada, que sigue en sesión.
# unreviewed
app-approval-banner = El { -supervisor } { $name } ({ $id }) está aprobando en la sesión de { $user }: lo que se haga ahora se registra a nombre de { $id }.
# Termina la aprobación del supervisor; el técnico sigue en sesión.
# unreviewed
app-approval-end = Terminar
# unreviewed
app-approve-title = Un { -supervisor } aprueba
# unreviewed
app-approve-help = Estos controles requieren un { -supervisor }. El { -supervisor } escanea su gafete e ingresa su PIN aquí; usted sigue en sesión.
# unreviewed
app-approve-badge = ID del { -supervisor } (escanee el gafete)
# unreviewed
app-approve = Aprobar

## Salir de la estación (cerrar el programa)

# unreviewed
app-exit-title = Salir de la { -station }
# unreviewed
app-exit-needs-supervisor = Se necesitan el ID y el PIN de un { -supervisor } para cerrar la { -station }.
# unreviewed
app-exit-badge = ID del { -supervisor }
# unreviewed
app-exit-confirm = Cerrar la { -station }

## Cuentas bloqueadas por PIN incorrectos (se muestran a los supervisores)

# $name y $id: la persona cuya cuenta está bloqueada; $count: cuántos PIN incorrectos seguidos.
# unreviewed
app-lock-until-unlocked = La cuenta de { $name } ({ $id }) está bloqueada tras { $count ->
    [one] { $count } PIN incorrecto
   *[other] { $count } PIN incorrectos
} hasta que un { -supervisor } la desbloquee
# $until: la fecha y hora en que el bloqueo termina solo (2026-12-03 14:05:09).
# unreviewed
app-lock-until = La cuenta de { $name } ({ $id }) está bloqueada tras { $count ->
    [one] { $count } PIN incorrecto
   *[other] { $count } PIN incorrectos
} hasta { $until }
# unreviewed
app-unlock = Desbloquear

## Elegir el idioma de la pantalla al iniciar sesión (cada botón muestra el nombre del idioma en ese idioma)

# unreviewed
app-language = Idioma
